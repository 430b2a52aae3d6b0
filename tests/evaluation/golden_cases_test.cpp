// Every case RAG-FiT's own code scored (tests/data/golden/recipes/rag_fit_metrics,
// recorded from ragfit/evaluation/metrics.py and answer_processors/regex.py at
// commit 2eaf34f): normalize_text, EM, F1, StringEM, RegexAnswer and
// Classification per line, and Classification.measure() over groups.
#include <gtest/gtest.h>

#include <map>

#include "eval_test_util.h"
#include "evaluation/answer_processor.h"
#include "evaluation/classification.h"
#include "evaluation/evaluation_run.h"
#include "evaluation/labels.h"
#include "evaluation/local_metrics.h"
#include "evaluation/text_normalize.h"

namespace ragforge::evaluation::testing {
namespace {

constexpr double kTol = 1e-12;

settings::AnswerProcessorSettings processor_of(const nlohmann::json& spec) {
  settings::AnswerProcessorSettings s;
  s.kind = settings::AnswerProcessorKind::RegexAnswer;
  s.target = spec.at("_target_").get<std::string>();
  if (spec.at("capture_pattern").is_string()) s.capture_pattern = spec["capture_pattern"].get<std::string>();
  if (spec.at("stopping_pattern").is_string()) s.stopping_pattern = spec["stopping_pattern"].get<std::string>();
  return s;
}

// The prediction a metric scores: after the case's answer processor, which
// must give what the original gave.
std::string scored_prediction(const nlohmann::json& c) {
  const std::string prediction = c.at("prediction").get<std::string>();
  if (!c.contains("answer_processor")) return prediction;
  const std::string processed = AnswerProcessor(processor_of(c["answer_processor"]))(prediction);
  EXPECT_EQ(processed, c.at("processed_prediction").get<std::string>()) << c.dump();
  return processed;
}

settings::ClassificationSettings golden_mapping() {
  settings::ClassificationSettings m;
  const auto meta = nlohmann::json::parse(read_text(golden_dir() + "/meta.json"));
  for (auto it = meta["classification_mapping"].begin(); it != meta["classification_mapping"].end(); ++it)
    m.mapping.emplace_back(it.key(), it.value().get<int64_t>());
  m.else_value = 2;
  return m;
}

TEST(GoldenCases, EveryMetricHasItsRecordedCases) {
  const auto meta = nlohmann::json::parse(read_text(golden_dir() + "/meta.json"));
  std::map<std::string, int> counts;
  for (const auto& c : golden_cases()) ++counts[c["metric"].get<std::string>()];
  EXPECT_EQ(golden_cases().size(), meta["n_cases"].get<size_t>());
  for (auto it = meta["n_by_metric"].begin(); it != meta["n_by_metric"].end(); ++it)
    EXPECT_EQ(counts[it.key()], it.value().get<int>()) << it.key();
}

TEST(GoldenCases, NormalizeText) {
  for (const auto& c : golden_cases_of("normalize_text"))
    EXPECT_EQ(normalize_text(c["prediction"].get<std::string>()), c["score"].get<std::string>()) << c["id"];
}

TEST(GoldenCases, RegexAnswer) {
  for (const auto& c : golden_cases_of("RegexAnswer"))
    EXPECT_EQ(scored_prediction(c), c["score"].get<std::string>()) << c["id"];
}

TEST(GoldenCases, ExactMatch) {
  for (const auto& c : golden_cases_of("EM")) {
    std::string problem;
    const auto targets = read_answer_list(c["target"], problem);
    ASSERT_TRUE(targets) << c["id"] << ": " << problem;
    EXPECT_EQ(exact_match(scored_prediction(c), *targets), c["score"].get<int>()) << c["id"];
  }
}

TEST(GoldenCases, TokenF1) {
  for (const auto& c : golden_cases_of("F1")) {
    std::string problem;
    const auto targets = read_answer_list(c["target"], problem);
    ASSERT_TRUE(targets) << c["id"] << ": " << problem;
    EXPECT_NEAR(f1_score(scored_prediction(c), *targets), c["score"].get<double>(), kTol) << c["id"];
  }
}

TEST(GoldenCases, StringEM) {
  for (const auto& c : golden_cases_of("StringEM")) {
    std::string problem;
    const auto pairs = read_qa_pairs(c["target"], problem);
    ASSERT_TRUE(pairs) << c["id"] << ": " << problem;
    EXPECT_NEAR(string_em(scored_prediction(c), *pairs), c["score"].get<double>(), kTol) << c["id"];
  }
}

TEST(GoldenCases, ClassificationPerLine) {
  const auto mapping = golden_mapping();
  for (const auto& c : golden_cases_of("Classification")) {
    const std::string prediction = c["prediction"].get<std::string>();
    EXPECT_EQ(normalize_text(prediction), c["normalized_prediction"].get<std::string>()) << c["id"];
    const int64_t pred = prediction_class(prediction);
    EXPECT_EQ(pred, c["pred_class"].get<int64_t>()) << c["id"];
    std::string problem;
    const auto label = read_class_label(c["target"], problem);
    ASSERT_TRUE(label) << c["id"] << ": " << problem;
    const int64_t target = label_class(*label, mapping);
    EXPECT_EQ(target, c["target_class"].get<int64_t>()) << c["id"];
    EXPECT_EQ(pred == target ? 1 : 0, c["score"].get<int>()) << c["id"];
  }
}

TEST(GoldenCases, ClassificationGlobalGroups) {
  const auto groups = read_jsonl(golden_dir() + "/classification_global.jsonl");
  ASSERT_EQ(groups.size(), 4u);
  for (const auto& g : groups) {
    settings::ClassificationSettings mapping;
    for (auto it = g["mapping"].begin(); it != g["mapping"].end(); ++it)
      mapping.mapping.emplace_back(it.key(), it.value().get<int64_t>());
    mapping.else_value = g["else_value"].get<int64_t>();
    std::vector<int64_t> targets, predictions;
    for (const auto& p : g["prediction"]) predictions.push_back(prediction_class(p.get<std::string>()));
    for (const auto& t : g["target"]) {
      std::string problem;
      targets.push_back(label_class(*read_class_label(t, problem), mapping));
    }
    const ClassificationScores s = classification_scores(targets, predictions);
    const auto& want = g["score"];
    EXPECT_NEAR(s.accuracy, want["accuracy"].get<double>(), kTol) << g["id"];
    EXPECT_NEAR(s.precision, want["precision"].get<double>(), kTol) << g["id"];
    EXPECT_NEAR(s.recall, want["recall"].get<double>(), kTol) << g["id"];
    EXPECT_NEAR(s.f1, want["f1"].get<double>(), kTol) << g["id"];
  }
}

// The same group through score_examples, the path the `evaluation` job takes.
TEST(GoldenCases, ClassificationGlobalThroughTheRun) {
  const auto groups = read_jsonl(golden_dir() + "/classification_global.jsonl");
  const auto& all = groups.at(0);
  ASSERT_EQ(all["id"], "classification_global_all");
  settings::EvaluationSettings s;
  settings::MetricSettings m;
  m.kind = settings::MetricKind::Classification;
  m.classification = golden_mapping();
  s.metrics = {m};
  EvaluationInputs in;
  for (size_t i = 0; i < all["prediction"].size(); ++i)
    in.examples.push_back({static_cast<int64_t>(i + 1), static_cast<int64_t>(i + 1),
                           all["prediction"][i].get<std::string>(), all["target"][i]});
  const EvaluationResults r = score_examples(s, in, nullptr);
  EXPECT_TRUE(r.local.empty());
  ASSERT_EQ(r.global.size(), 4u);
  for (const char* key : {"accuracy", "precision", "recall", "f1"})
    EXPECT_NEAR(r.global.at(key), all["score"][key].get<double>(), kTol) << key;
}

}  // namespace
}  // namespace ragforge::evaluation::testing
