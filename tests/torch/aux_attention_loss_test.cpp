// BlockRank's aux loss (recipes.md §3.5) on a case small enough to compute by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "recipes/blockrank/aux_attention_loss.h"

namespace ragforge::recipes::blockrank {
namespace {

// M = 4 blocks of H = 1 token: block 0, documents 0 and 1 (columns 1, 2), the
// last block. Two readout rows, the last two positions (2 and 3); "[" at 3.
torch::Tensor readout() {
  const double l3 = std::log(3.0);
  // Columns 0 and 3 are not documents: their huge scores must not matter.
  auto s = torch::tensor({{100.0, 0.0, l3, 100.0},    // row before "[": softmax over docs [1/4, 3/4]
                          {100.0, 0.0, 0.0, 100.0}},  // "[" row: [1/2, 1/2]
                         torch::kFloat32);
  return s.view({1, 1, 2, 4}).repeat({1, 2, 1, 1});  // two heads, the same scores
}

TEST(AuxAttentionLoss, MatchesTheHandComputedInfoNce) {
  auto r = aux_attention_loss(readout(), torch::tensor({3}), torch::tensor({{1, -1}}), 4, 1, /*temperature=*/0.5);
  // doc scores = mean over heads and the two rows: [(1/4 + 1/2)/2, (3/4 + 1/2)/2] = [0.375, 0.625]
  EXPECT_NEAR(r.doc_scores[0][0].item<double>(), 0.375, 1e-6);
  EXPECT_NEAR(r.doc_scores[0][1].item<double>(), 0.625, 1e-6);
  // z = scores / 0.5 = [0.75, 1.25]; positive doc 1: loss = logsumexp(z) - z1 = log(1 + e^-0.5)
  EXPECT_NEAR(r.loss.item<double>(), std::log(1.0 + std::exp(-0.5)), 1e-6);
  EXPECT_DOUBLE_EQ(r.accuracy, 1.0);
  // Doc 0 as the positive instead: loss = log(1 + e^0.5), and the argmax misses.
  auto miss = aux_attention_loss(readout(), torch::tensor({3}), torch::tensor({{0}}), 4, 1, 0.5);
  EXPECT_NEAR(miss.loss.item<double>(), std::log(1.0 + std::exp(0.5)), 1e-6);
  EXPECT_DOUBLE_EQ(miss.accuracy, 0.0);
}

TEST(AuxAttentionLoss, RowsWithoutPositivesAreLeftOut) {
  auto two = torch::cat({readout(), readout()}, 0);
  auto r = aux_attention_loss(two, torch::tensor({3, 3}), torch::tensor({{1}, {-1}}), 4, 1, 0.5);
  EXPECT_EQ(r.rows_with_positives, 1);
  EXPECT_NEAR(r.loss.item<double>(), std::log(1.0 + std::exp(-0.5)), 1e-6);
  auto none = aux_attention_loss(readout(), torch::tensor({3}), torch::tensor({{-1}}), 4, 1, 0.5);
  EXPECT_EQ(none.loss.item<double>(), 0.0);
}

TEST(AuxAttentionLoss, ACompletionBeyondTheReadoutRowsIsAClearError) {
  try {
    aux_attention_loss(readout(), torch::tensor({2}), torch::tensor({{1}}), 4, 1, 0.5);  // the row before "[" is not read
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("completion longer than num_last_queries-1 tokens (1)"), std::string::npos)
        << e.what();
  }
  try {
    aux_attention_loss(readout(), torch::tensor({-1}), torch::tensor({{1}}), 4, 1, 0.5);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("raise data.max_block_length"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ragforge::recipes::blockrank
