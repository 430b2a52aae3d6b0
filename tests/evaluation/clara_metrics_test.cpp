// CLaRa's em / f1 / acc and recall/precision@k (recipes.md §2.7) on
// hand-computed cases.
#include "evaluation/clara_metrics.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace ragforge::evaluation {
namespace {

TEST(ClaraMetrics, BoolMappingIsExactWholeText) {
  EXPECT_EQ(clara_bool_mapping("True"), "yes");
  EXPECT_EQ(clara_bool_mapping("False"), "no");
  EXPECT_EQ(clara_bool_mapping("true"), "true");
  EXPECT_EQ(clara_exact_match("True", "yes"), 1);
  EXPECT_EQ(clara_exact_match("False", "No."), 1);
  EXPECT_EQ(clara_exact_match("true", "yes"), 0);
  EXPECT_EQ(clara_exact_match("The Cat.", "cat"), 1);
}

TEST(ClaraMetrics, F1HasTheYesNoRule) {
  EXPECT_NEAR(clara_f1("big red cat", "red cat"), 0.8, 1e-12);  // P 2/3, R 1
  EXPECT_EQ(clara_f1("yes", "yes it is"), 0.0);                 // plain token F1 would be 0.5
  EXPECT_EQ(clara_f1("yes it is", "yes"), 0.0);                 // the gold side too
  EXPECT_EQ(clara_f1("no answer", "noanswer"), 0.0);
  EXPECT_EQ(clara_f1("False", "no"), 1.0);
  EXPECT_EQ(clara_f1("dog", "cat"), 0.0);
}

TEST(ClaraMetrics, CoverMatchNeedsEveryGoldToken) {
  EXPECT_EQ(clara_cover_match("it was a red cat", "the cat red"), 1);
  EXPECT_EQ(clara_cover_match("cat", "red cat"), 0);
  EXPECT_EQ(clara_cover_match("True", "yes"), 1);
  EXPECT_EQ(clara_cover_match("yes", "yes it is"), 0);
}

TEST(ClaraMetrics, AnswerScoresAverage) {
  const auto s =
      clara_answer_scores({"The Cat.", "big red cat", "yes"}, {"cat", "red cat", "yes it is"});
  EXPECT_EQ(s.count, 3);
  EXPECT_NEAR(s.em, 1.0 / 3, 1e-12);
  EXPECT_NEAR(s.f1, (1.0 + 0.8 + 0.0) / 3, 1e-12);
  EXPECT_NEAR(s.acc, 2.0 / 3, 1e-12);
  EXPECT_THROW(clara_answer_scores({"a"}, {}), Error);
  EXPECT_EQ(clara_answer_scores({}, {}).em, 0.0);
}

TEST(ClaraMetrics, RecallAndPrecisionOverRowsWithPositives) {
  // Row 1 has no positives and is left out. Row 0: P {1,4}; row 2: P {6}.
  const auto s =
      clara_retrieval_scores({{3, 1, 0, 2, 4}, {0, 1, 2, 3, 4}, {6, 5}}, {{1, 4}, {}, {6}});
  EXPECT_EQ(s.rows, 2);
  EXPECT_NEAR(s.recall.at(1), (0.0 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(s.recall.at(3), (0.5 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(s.recall.at(5), (1.0 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(s.precision.at(1), (0.0 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(s.precision.at(3), (1.0 / 3 + 1.0 / 3) / 2, 1e-12);
  EXPECT_NEAR(s.precision.at(5), (2.0 / 5 + 1.0 / 5) / 2,
              1e-12);  // a short list still divides by k
  const auto none = clara_retrieval_scores({{0}}, {{}});
  EXPECT_EQ(none.rows, 0);
  EXPECT_EQ(none.recall.at(1), 0.0);
  EXPECT_THROW(clara_retrieval_scores({{0}}, {}), Error);
}

}  // namespace
}  // namespace ragforge::evaluation
