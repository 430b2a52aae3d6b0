// The evaluation config as parse_evaluation_settings reads it: RAG-FiT's
// keys and defaults, metric names (with the old spellings), unsupported
// metrics reported with how to drop them, and every other mistake.
#include <gtest/gtest.h>

#include "eval_test_util.h"

namespace ragforge::evaluation::testing {
namespace {

const std::string kBase = R"(
key_names: {generated: text, label: answers}
generated_file: g.jsonl
data_file: d.jsonl
)";

std::string with_metrics(const std::string& metrics) { return kBase + "metrics:\n" + metrics; }

TEST(EvaluationSettings, ReadsRagFitLayout) {
  const auto s = settings_from_yaml(read_text(golden_dir() + "/eval_config.yaml"));
  ASSERT_EQ(s.metrics.size(), 1u);
  EXPECT_EQ(s.metrics[0].kind, settings::MetricKind::StringEM);
  ASSERT_TRUE(s.answer_processor);
  EXPECT_EQ(s.answer_processor->kind, settings::AnswerProcessorKind::RegexAnswer);
  EXPECT_EQ(s.answer_processor->capture_pattern, "<ANSWER>: (.*)");
  EXPECT_EQ(s.answer_processor->stopping_pattern, "");
  EXPECT_EQ(s.key_names.generated, "text");
  EXPECT_EQ(s.key_names.label, "answer-short");
  EXPECT_EQ(s.key_names.query, "query");
  EXPECT_EQ(s.results_file, "evaluation-asqa-baseline.yaml");
  EXPECT_EQ(s.generated_file, "asqa-baseline-dev-generated.jsonl");
  EXPECT_EQ(s.data_file, "asqa-baseline-dev.jsonl");
  EXPECT_FALSE(s.limit);
}

TEST(EvaluationSettings, PaperPubmedConfig) {
  const auto s =
      settings_from_yaml(read_text(ragforge::testing::source_dir() + "/configs/paper/evaluation-pubmed.yaml"));
  ASSERT_EQ(s.metrics.size(), 1u);
  EXPECT_EQ(s.metrics[0].kind, settings::MetricKind::Classification);
  EXPECT_EQ(s.metrics[0].target, "ragfoundry.evaluation.metrics.Classification");
  const auto& c = s.metrics[0].classification;
  ASSERT_EQ(c.mapping.size(), 3u);
  EXPECT_EQ(c.mapping[0], (std::pair<std::string, int64_t>{"yes", 1}));
  EXPECT_EQ(c.mapping[2], (std::pair<std::string, int64_t>{"maybe", 2}));
  EXPECT_EQ(c.else_value, 2);
  EXPECT_EQ(s.answer_processor->capture_pattern, "");
  EXPECT_EQ(s.key_names.label, "answers");
}

TEST(EvaluationSettings, EveryShippedEvaluationConfigParses) {
  const std::string dir = ragforge::testing::source_dir() + "/configs/paper/";
  for (const char* name : {"evaluation-asqa-short.yaml", "evaluation-asqa-long.yaml", "evaluation-pubmed.yaml"})
    EXPECT_EQ(settings_error(read_text(dir + name)), "") << name;
  const auto long_form = settings_from_yaml(read_text(dir + "evaluation-asqa-long.yaml"));
  EXPECT_TRUE(long_form.metrics.empty());
  EXPECT_EQ(long_form.key_names.context, "positive_passages");
}

TEST(EvaluationSettings, MetricSpellings) {
  for (const char* t : {"ragfit.evaluation.metrics.EM", "ragfoundry.evaluation.metrics.EM",
                        "src.evaluation.metrics.EM", "ragforge.evaluation.EM"}) {
    const auto s = settings_from_yaml(with_metrics(std::string("  - _target_: ") + t + "\n"));
    EXPECT_EQ(s.metrics.at(0).kind, settings::MetricKind::EM) << t;
  }
  const auto s = settings_from_yaml(with_metrics(
      "  - _target_: ragfit.evaluation.metrics.F1\n  - _target_: ragforge.evaluation.StringEM\n"
      "  - _target_: src.evaluation.metrics.Classification\n    mapping: {\"yes\": 1, \"no\": 0}\n"
      "    else_value: 5\n"));
  ASSERT_EQ(s.metrics.size(), 3u);
  EXPECT_EQ(s.metrics[1].kind, settings::MetricKind::StringEM);
  EXPECT_EQ(s.metrics[2].index, 2u);
  EXPECT_EQ(s.metrics[2].classification.else_value, 5);
  EXPECT_EQ(settings::metric_targets(settings::MetricKind::F1).front(), "ragfit.evaluation.metrics.F1");
}

TEST(EvaluationSettings, UnsupportedMetricsAreNamedWithHowToDropThem) {
  const std::string err = settings_error(with_metrics(
      "  - _target_: ragfit.evaluation.metrics.EM\n"
      "  - _target_: ragfit.evaluation.metrics.BERTScore\n    model: microsoft/deberta-large-mnli\n"
      "  - _target_: ragfoundry.evaluation.deep.Faithfulness\n    azure_endpoint: x\n"
      "  - _target_: ragfit.evaluation.metrics.F1\n"
      "  - _target_: ragfit.evaluation.metrics.HFEvaluate\n    metric_names: [rouge]\n"
      "  - _target_: ragfit.evaluation.metrics.Semantic\n"));
  EXPECT_CONTAINS(err, "metrics: 4 metrics cannot be computed");
  EXPECT_CONTAINS(err, "metrics.1: 'ragfit.evaluation.metrics.BERTScore' is not implemented in ragforge");
  EXPECT_CONTAINS(err, "metrics.2: 'ragfoundry.evaluation.deep.Faithfulness' is not implemented");
  EXPECT_CONTAINS(err, "LLM-judged");
  EXPECT_CONTAINS(err, "metrics.4: 'ragfit.evaluation.metrics.HFEvaluate'");
  EXPECT_CONTAINS(err, "metrics.5: 'ragfit.evaluation.metrics.Semantic'");
  EXPECT_CONTAINS(err, "(test.yaml:");  // where each one was set
  EXPECT_CONTAINS(err, "ragforge computes EM, F1, StringEM and Classification");
  EXPECT_CONTAINS(err, "delete them from the metrics list");
  EXPECT_CONTAINS(err, "metrics='[{_target_: ragfit.evaluation.metrics.EM}, {_target_: ragfit.evaluation.metrics.F1}]'");
}

TEST(EvaluationSettings, UnknownMetricGetsDidYouMean) {
  const std::string err = settings_error(with_metrics("  - _target_: ragfit.evaluation.metrics.Em\n"));
  EXPECT_CONTAINS(err, "metrics.0: unknown metric 'ragfit.evaluation.metrics.Em'");
  EXPECT_CONTAINS(err, "did you mean 'ragfit.evaluation.metrics.EM'?");
  EXPECT_CONTAINS(err, "metrics='[]'");
}

TEST(EvaluationSettings, MetricMistakes) {
  EXPECT_CONTAINS(settings_error(with_metrics("  - ragfit.evaluation.metrics.EM\n")), "expected a mapping with a _target_");
  EXPECT_CONTAINS(settings_error(kBase + "metrics: ragfit.evaluation.metrics.EM\n"), "metrics: expected a list");
  EXPECT_CONTAINS(settings_error(kBase), "metrics: not set");
  EXPECT_CONTAINS(settings_error(with_metrics("  - _target_: ragfit.evaluation.metrics.EM\n    mappin: {}\n")),
                  "metrics.0.mappin: unknown key");
  EXPECT_CONTAINS(settings_error(with_metrics("  - _target_: ragfit.evaluation.metrics.EM\n"
                                              "  - _target_: ragfoundry.evaluation.metrics.EM\n")),
                  "metrics.1: EM is listed twice (also metrics.0)");
  EXPECT_CONTAINS(settings_error(with_metrics("  - _target_: ragfit.evaluation.metrics.Classification\n")),
                  "metrics.0.mapping: not set");
  EXPECT_CONTAINS(settings_error(with_metrics("  - _target_: ragfit.evaluation.metrics.Classification\n"
                                              "    mapping: {yes: 1, no: 0}\n")),
                  "read as a bool");
  EXPECT_CONTAINS(settings_error(with_metrics("  - _target_: ragfit.evaluation.metrics.Classification\n"
                                              "    mapping: {\"yes\": one}\n")),
                  "metrics.0.mapping.yes: expected a class number (int), got 'one'");
  EXPECT_CONTAINS(settings_error(with_metrics("  - _target_: ragfit.evaluation.metrics.Classification\n"
                                              "    mapping: {\"yes\": 1}\n    else_value: x\n")),
                  "metrics.0.else_value: expected an int");
  EXPECT_EQ(settings_from_yaml(kBase + "metrics: []\n").metrics.size(), 0u);  // allowed: nothing to compute
}

TEST(EvaluationSettings, AnswerProcessorAndKeys) {
  const std::string m = "metrics: []\n";
  EXPECT_FALSE(settings_from_yaml(kBase + m + "answer_processor:\n").answer_processor);
  EXPECT_FALSE(settings_from_yaml(kBase + m + "answer_processor: {}\n").answer_processor);
  const auto simple = settings_from_yaml(
      kBase + m + "answer_processor: {_target_: ragfit.processing.answer_processors.regex.SimpleRegex, pattern: x}\n");
  EXPECT_EQ(simple.answer_processor->kind, settings::AnswerProcessorKind::SimpleRegex);
  EXPECT_EQ(simple.answer_processor->pattern, "x");
  EXPECT_CONTAINS(settings_error(kBase + m + "answer_processor: {_target_: ragfit.processing.answer_processors.regex.RegexAnswr}\n"),
                  "did you mean 'ragfit.processing.answer_processors.regex.RegexAnswer'?");
  EXPECT_CONTAINS(settings_error(kBase + m + "answer_processor: {_target_: ragforge.evaluation.RegexAnswer, pattern: x}\n"),
                  "answer_processor.pattern: unknown key");
  EXPECT_CONTAINS(settings_error(kBase + m + "answer_processor: {capture_pattern: x}\n"),
                  "answer_processor._target_: not set");

  EXPECT_CONTAINS(settings_error(m + "generated_file: g\ndata_file: d\n"), "key_names: not set");
  EXPECT_CONTAINS(settings_error(m + "key_names: {generated: text}\ngenerated_file: g\ndata_file: d\n"),
                  "key_names.label: not set; set it in the config or on the command line: key_names.label=answers");
  EXPECT_CONTAINS(settings_error(m + "key_names: {lable: x}\ngenerated_file: g\ndata_file: d\n"),
                  "did you mean 'label'?");
  const auto defaults = settings_from_yaml(m + "key_names: {label: a}\ngenerated_file: g\ndata_file: d\n");
  EXPECT_EQ(defaults.key_names.generated, "text");
}

TEST(EvaluationSettings, FilesLimitAndTopLevelKeys) {
  const std::string m = "metrics: []\nkey_names: {label: a}\n";
  EXPECT_CONTAINS(settings_error(m + "data_file: d\n"), "generated_file: not set");
  EXPECT_CONTAINS(settings_error(m + "generated_file: g\n"), "data_file: not set");
  EXPECT_CONTAINS(settings_error(m + "generated_file: ''\ndata_file: d\n"), "generated_file: not set");
  EXPECT_CONTAINS(settings_error(m + "generated_file: '?\?\?'\ndata_file: d\n"), "generated_file: mandatory value");
  const std::string files = m + "generated_file: g.jsonl\ndata_file: d.jsonl\n";
  EXPECT_EQ(*settings_from_yaml(files + "limit: 3\n").limit, 3);
  EXPECT_FALSE(settings_from_yaml(files + "limit: 0\n").limit);  // RAG-FiT's `if args.limit:`
  EXPECT_CONTAINS(settings_error(files + "limit: -1\n"), "limit: expected a number of rows >= 0");
  EXPECT_CONTAINS(settings_error(files + "limit: ten\n"), "limit: expected an int");
  EXPECT_CONTAINS(settings_error(files + "use_wandb: true\n"), "use_wandb=false");
  EXPECT_EQ(settings_error(files + "use_wandb: false\nexperiment: x\nwandb_entity: y\n"), "");
  EXPECT_CONTAINS(settings_error(files + "result_file: r.yaml\n"), "did you mean 'results_file'?");
  EXPECT_CONTAINS(settings_error(files + "results_file: d.jsonl\n"), "would overwrite data_file");
  EXPECT_CONTAINS(settings_error(m + "generated_file: r.per_example.jsonl\ndata_file: d\nresults_file: r.yaml\n"),
                  "would overwrite generated_file");
  EXPECT_EQ(settings::per_example_path("out/eval.yaml"), "out/eval.per_example.jsonl");
  EXPECT_EQ(settings::per_example_path("results"), "results.per_example.jsonl");
}

}  // namespace
}  // namespace ragforge::evaluation::testing
