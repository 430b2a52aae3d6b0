// The step-confidence data (recipes.md §4.1): the three loaders against what
// the original's loaders returned on the same raw files
// (golden/recipes/step_confidence/examples.json), the marker text, marker
// positions with -1 padding and truncation, the mixture sampler, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "data/step_confidence_encode.h"
#include "data/step_confidence_loaders.h"
#include "data/step_confidence_mixture.h"
#include "data_test_util.h"
#include "support/subprocess.h"

namespace ragforge::data::testing {
namespace {

using ragforge::testing::source_dir;
using ragforge::testing::write_file;

std::string golden(const std::string& rel) {
  return source_dir() + "/tests/data/golden/recipes/step_confidence/" + rel;
}

nlohmann::json golden_examples() {
  std::ifstream in(golden("examples.json"));
  return nlohmann::json::parse(in);
}

std::vector<StepExample> load_all_golden() {
  std::vector<StepExample> all = load_prm800k(golden("data/prm800k/phase2_train.jsonl"), 0);
  for (auto& e : load_reveal(golden("data/reveal/eval.json"), 0)) all.push_back(e);
  for (auto& e : load_eqasc(golden("data/eqasc/eqasc_train_grc.json"), 0)) all.push_back(e);
  return all;
}

TEST(StepConfidenceLoaders, MatchTheOriginalLoadersOnEveryEdgeCase) {
  const auto want = golden_examples();
  const auto got = load_all_golden();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& w = want[i];
    EXPECT_EQ(got[i].source, w["source"].get<std::string>()) << i;
    ASSERT_EQ(got[i].steps.size(), w["steps"].size()) << i;
    for (size_t k = 0; k < got[i].steps.size(); ++k) {
      EXPECT_EQ(got[i].steps[k], w["steps"][k].get<std::string>()) << i << " step " << k;
      EXPECT_NEAR(got[i].labels[k], w["confidences"][k].get<double>(), 1e-12) << i << " step " << k;
    }
    // The original's _format_example with max_steps_per_example 5.
    EXPECT_EQ(format_step_text(got[i], 5), w["formatted_text"].get<std::string>()) << i;
  }
}

TEST(StepConfidenceLoaders, CountWhatTheySkip) {
  StepLoadReport prm, reveal, eqasc;
  load_prm800k(golden("data/prm800k/phase2_train.jsonl"), 0, &prm);
  EXPECT_EQ(prm.records, 3);
  EXPECT_EQ(prm.examples, 2);
  EXPECT_EQ(prm.dropped_no_steps, 1);      // the record whose only step has a null rating
  EXPECT_EQ(prm.skipped_null_rating, 3);   // human rating null, completion rating null, that record's step
  EXPECT_EQ(prm.skipped_other_rating, 1);  // rating 2
  load_reveal(golden("data/reveal/eval.json"), 0, &reveal);
  EXPECT_EQ(reveal.records, 10);
  EXPECT_EQ(reveal.examples, 2);  // q_unlabeled has no labelled row, so it never forms
  load_eqasc(golden("data/eqasc/eqasc_train_grc.json"), 0, &eqasc);
  EXPECT_EQ(eqasc.examples, 2);
  EXPECT_EQ(eqasc.dropped_no_steps, 1);  // the chain whose fact has no text
}

TEST(StepConfidenceLoaders, MaxRecordsCapsTheInputRecordsRead) {
  StepLoadReport r;
  const auto two = load_reveal(golden("data/reveal/eval.json"), 3, &r);
  EXPECT_EQ(r.records, 3);
  ASSERT_EQ(two.size(), 2u);                // q0 (rows 1, 3) and q1 (row 2)
  EXPECT_EQ(two[0].steps.size(), 2u);
  EXPECT_EQ(load_prm800k(golden("data/prm800k/phase2_train.jsonl"), 1).size(), 1u);
}

TEST(StepConfidenceLoaders, FileNamesFollowTheOriginal) {
  EXPECT_EQ(prm800k_file("d", 2, "train"), "d/phase2_train.jsonl");
  EXPECT_EQ(reveal_file("d", "open"), "d/open.json");
  EXPECT_EQ(eqasc_file("d", "dev"), "d/eqasc_dev_grc.json");
  EXPECT_NE(error_of([] { eqasc_file("d", "eval"); }).find("not one of train, dev, test"), std::string::npos);
}

TEST(StepConfidenceLoaders, MalformedRecordsNameFileAndLine) {
  ScratchDir dir;
  const std::string prm = dir / "p.jsonl";
  write_file(prm, "{\"question\": {\"problem\": \"x\"}, \"label\": {\"steps\": []}}\n{not json\n");
  EXPECT_NE(error_of([&] { load_prm800k(prm, 0); }).find("p.jsonl:2"), std::string::npos);
  write_file(prm, "{\"question\": {}, \"label\": {\"steps\": []}}\n");
  EXPECT_NE(error_of([&] { load_prm800k(prm, 0); }).find("p.jsonl:1: missing question.problem"), std::string::npos);
  const std::string rev = dir / "r.json";
  write_file(rev, "{\"question_id\": \"a\", \"question\": \"q\", \"step\": 3, \"attribution_label\": \"Fully\"}\n");
  EXPECT_NE(error_of([&] { load_reveal(rev, 0); }).find("r.json:1: step must be a string"), std::string::npos);
  const std::string eq = dir / "e.json";
  write_file(eq, "{\"not\": \"an array\"}");
  EXPECT_NE(error_of([&] { load_eqasc(eq, 0); }).find("expected a JSON array"), std::string::npos);
  write_file(eq, "[{\"question\": {\"stem\": \"s\", \"choices\": [{\"label\": \"A\", \"text\": \"t\", "
                 "\"chains\": [[{\"text\": \"f\", \"score\": \"high\"}]]}]}}]");
  EXPECT_NE(error_of([&] { load_eqasc(eq, 0); }).find("item 0 choice 0 chain 0: fact score must be a number"),
            std::string::npos);
}

// ---- encoding ------------------------------------------------------------------

StepExample three_steps() {
  StepExample ex;
  ex.source = "prm800k";
  ex.origin = "f.jsonl:7";
  ex.header = "Problem: What is 2+3?\n\nSolution:\n";
  ex.steps = {"Two plus three.", "That is 5.", "So the answer is 5."};
  ex.labels = {1.0, 0.5, 0.0};
  return ex;
}

TEST(StepConfidenceEncode, MarkersFollowEachStepAndPadWithMinusOne) {
  RAGFORGE_LOAD_TOKENIZER(tok0, "qwen3");
  auto tok = tok0;
  tok.add_special_tokens({kConfidenceToken});
  const int32_t marker = *tok.token_to_id(kConfidenceToken);
  const StepExample ex = three_steps();
  const EncodedSteps e = encode_steps(ex, tok, marker, 2048, 5);
  ASSERT_EQ(e.positions.size(), 5u);
  EXPECT_EQ(e.steps, 3);
  EXPECT_EQ(e.truncated_steps, 0);
  EXPECT_EQ(e.positions[3], -1);
  EXPECT_EQ(e.positions[4], -1);
  EXPECT_EQ(e.labels, (std::vector<float>{1.0f, 0.5f, 0.0f, -1.0f, -1.0f}));
  for (int k = 0; k < 3; ++k) EXPECT_EQ(e.input_ids[static_cast<size_t>(e.positions[k])], marker) << k;
  // The text before the first marker is the header and the first step (Qwen adds no special tokens).
  const std::vector<int32_t> before(e.input_ids.begin(), e.input_ids.begin() + e.positions[0]);
  EXPECT_EQ(tok.decode(before), ex.header + "Two plus three. ");
  const std::vector<int32_t> between(e.input_ids.begin() + e.positions[0] + 1, e.input_ids.begin() + e.positions[1]);
  EXPECT_EQ(tok.decode(between), "\nThat is 5. ");
  // max_steps keeps the first steps only.
  const EncodedSteps two = encode_steps(ex, tok, marker, 2048, 2);
  EXPECT_EQ(two.positions, (std::vector<int64_t>{e.positions[0], e.positions[1]}));
}

TEST(StepConfidenceEncode, ATruncatedMarkerDropsItsStepAndIsCounted) {
  RAGFORGE_LOAD_TOKENIZER(tok0, "qwen3");
  auto tok = tok0;
  tok.add_special_tokens({kConfidenceToken});
  const int32_t marker = *tok.token_to_id(kConfidenceToken);
  const EncodedSteps full = encode_steps(three_steps(), tok, marker, 2048, 4);
  // Cut exactly at the last marker: it is the first token lost.
  const EncodedSteps cut = encode_steps(three_steps(), tok, marker, full.positions[2], 4);
  EXPECT_EQ(static_cast<int64_t>(cut.input_ids.size()), full.positions[2]);
  EXPECT_EQ(cut.truncated_steps, 1);
  EXPECT_EQ(cut.steps, 2);
  EXPECT_EQ(cut.positions, (std::vector<int64_t>{full.positions[0], full.positions[1], -1, -1}));
  EXPECT_EQ(cut.labels, (std::vector<float>{1.0f, 0.5f, -1.0f, -1.0f}));

  const StepBatch b = collate_steps({&full, &cut}, 7);
  EXPECT_EQ(b.length, static_cast<int64_t>(full.input_ids.size()));
  EXPECT_EQ(b.tokens, static_cast<int64_t>(full.input_ids.size() + cut.input_ids.size()));
  EXPECT_EQ(b.input_ids[static_cast<size_t>(b.length + b.length - 1)], 7);  // right padding
  EXPECT_EQ(b.attention_mask[static_cast<size_t>(b.length + full.positions[2] - 1)], 1);
  EXPECT_EQ(b.attention_mask[static_cast<size_t>(b.length + full.positions[2])], 0);
  EXPECT_EQ(b.positions[6], -1);
}

TEST(StepConfidenceEncode, LabelsOutsideTheUnitIntervalAndStrayMarkersAreErrors) {
  RAGFORGE_LOAD_TOKENIZER(tok0, "qwen3");
  auto tok = tok0;
  tok.add_special_tokens({kConfidenceToken});
  const int32_t marker = *tok.token_to_id(kConfidenceToken);
  StepExample bad = three_steps();
  bad.labels[1] = 1.5;
  const std::string msg = error_of([&] { encode_steps(bad, tok, marker, 2048, 10); });
  EXPECT_NE(msg.find("prm800k f.jsonl:7 step 1: label 1.5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("outside [0, 1]"), std::string::npos);
  StepExample stray = three_steps();
  stray.steps[0] = "see <CONFIDENCE> here";
  EXPECT_NE(error_of([&] { encode_steps(stray, tok, marker, 2048, 10); }).find("4 <CONFIDENCE> markers for 3 steps"),
            std::string::npos);
}

// ---- the mixture sampler ---------------------------------------------------------

TEST(StepConfidenceMixture, FrequenciesConvergeToTheDatasetWeights) {
  const MixtureSampler s({"prm800k", "reveal", "eqasc"}, {0.5, 0.25, 0.25}, {3, 50, 7}, 42);
  const int n = 200000;
  std::vector<int> count(3, 0);
  std::map<int64_t, int> prm_rows;
  for (int k = 0; k < n; ++k) {
    const MixtureDraw d = s.draw(static_cast<uint64_t>(k));
    ++count[d.dataset];
    if (d.dataset == 0) ++prm_rows[d.example];
    ASSERT_LT(d.example, std::vector<int64_t>({3, 50, 7})[d.dataset]);
  }
  // Dataset shares follow the weights, not the sizes (Decision 1); 4σ ≈ 0.0045.
  EXPECT_NEAR(count[0] / double(n), 0.5, 0.005);
  EXPECT_NEAR(count[1] / double(n), 0.25, 0.005);
  EXPECT_NEAR(count[2] / double(n), 0.25, 0.005);
  for (const auto& [row, c] : prm_rows) EXPECT_NEAR(c / double(count[0]), 1.0 / 3, 0.01) << row;
}

TEST(StepConfidenceMixture, AZeroWeightIsNeverDrawnAndDrawsArePureFunctionsOfSeedAndIndex) {
  const MixtureSampler s({"prm800k", "reveal", "eqasc"}, {0.5, 0.0, 0.5}, {3, 5, 0 + 7}, 1);
  const MixtureSampler again({"prm800k", "reveal", "eqasc"}, {0.5, 0.0, 0.5}, {3, 5, 7}, 1);
  const MixtureSampler other({"prm800k", "reveal", "eqasc"}, {0.5, 0.0, 0.5}, {3, 5, 7}, 2);
  int differ = 0;
  for (uint64_t k = 0; k < 20000; ++k) {
    const auto d = s.draw(k);
    ASSERT_NE(d.dataset, 1u) << "draw " << k;
    EXPECT_EQ(d.example, again.draw(k).example);
    EXPECT_EQ(d.dataset, again.draw(k).dataset);
    differ += other.draw(k).dataset != d.dataset || other.draw(k).example != d.example;
  }
  EXPECT_GT(differ, 10000);
  // A trailing zero weight cannot be reached through rounding either.
  const MixtureSampler tail({"a", "b", "c"}, {0.1, 0.7, 0.0}, {1, 1, 1}, 3);
  for (uint64_t k = 0; k < 20000; ++k) ASSERT_NE(tail.draw(k).dataset, 2u);
}

TEST(StepConfidenceMixture, AWeightedDatasetWithoutExamplesIsAnError) {
  EXPECT_NE(error_of([] { MixtureSampler({"prm800k", "reveal"}, {0.5, 0.5}, {3, 0}, 1); })
                .find("reveal has weight 0.5"),
            std::string::npos);
  EXPECT_NE(error_of([] { MixtureSampler({"prm800k"}, {0.0}, {3}, 1); }).find("every dataset weight is 0"),
            std::string::npos);
  // A disabled (zero-weight) empty dataset is fine.
  EXPECT_EQ(error_of([] { MixtureSampler({"prm800k", "reveal"}, {1.0, 0.0}, {3, 0}, 1); }), "");
}

}  // namespace
}  // namespace ragforge::data::testing
