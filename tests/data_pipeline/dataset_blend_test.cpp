// Blending training files by probability (data/dataset_blend.h).
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/dataset_blend.h"
#include "support/error_of.h"

namespace ragforge::data {
namespace {

TEST(DatasetBlend, DrawsInProportionInFileOrderAndStopsAtTheFirstExhaustedSource) {
  const std::vector<size_t> sizes{3000, 3000};
  auto order = blend_order(sizes, {0.7, 0.3}, 42);
  std::vector<size_t> taken(2, 0);
  for (const BlendPick& p : order) {
    ASSERT_LT(p.source, 2u);
    EXPECT_EQ(p.row, taken[p.source]) << "each source is read in its file order";
    ++taken[p.source];
  }
  // The 70% source runs out first, after about 3000 / 0.7 draws.
  EXPECT_EQ(taken[0], 3000u);
  EXPECT_NEAR(static_cast<double>(taken[1]) / static_cast<double>(order.size()), 0.3, 0.02);
  // Deterministic in the seed; another seed gives another order.
  const auto again = blend_order(sizes, {0.7, 0.3}, 42);
  ASSERT_EQ(again.size(), order.size());
  for (size_t i = 0; i < order.size(); ++i) ASSERT_EQ(again[i].source, order[i].source);
  const auto other = blend_order(sizes, {0.7, 0.3}, 43);
  size_t differ = 0;
  for (size_t i = 0; i < std::min(order.size(), other.size()); ++i) differ += other[i].source != order[i].source;
  EXPECT_GT(differ, 100u);
  // Weights need not sum to 1; a zero-weight source is never drawn.
  auto scaled = blend_order({10, 5, 10}, {2, 0, 2}, 1);
  for (const BlendPick& p : scaled) EXPECT_NE(p.source, 1u);
  EXPECT_TRUE(scaled.size() >= 10u && scaled.size() < 20u);
}

TEST(DatasetBlend, BadProbabilitiesSayWhatToFix) {
  EXPECT_NE(testing::error_of([] { blend_order({1, 2}, {1.0}, 0); })
                .find("dataset_probs: 1 probabilities for 2 datasets; give one per dataset"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] { blend_order({1, 2}, {1.0, -0.5}, 0); }).find("is negative"), std::string::npos);
  EXPECT_NE(testing::error_of([] { blend_order({1, 2}, {0.0, 0.0}, 0); }).find("sum to 0"), std::string::npos);
}

}  // namespace
}  // namespace ragforge::data
