// BatchPlan (deterministic per (seed, epoch, index), full coverage, HF-style
// length grouping) and collate (dynamic padding).
#include "data/batch_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "data/collate.h"
#include "data_test_util.h"

namespace ragforge::data::testing {
namespace {

std::vector<int64_t> lengths_of(int64_t n) {
  std::vector<int64_t> lengths;
  for (int64_t i = 0; i < n; ++i) lengths.push_back((i * 37) % 101 + 1);  // distinct-ish, unordered
  return lengths;
}

std::vector<int64_t> all_batches(const BatchPlan& plan, int64_t epoch) {
  std::vector<int64_t> order;
  for (int64_t b = 0; b < plan.batches_per_epoch(); ++b) {
    const auto batch = plan.batch(epoch, b);
    order.insert(order.end(), batch.begin(), batch.end());
  }
  return order;
}

TEST(BatchPlan, CoversEveryIndexOncePerEpochWithAShortLastBatch) {
  const BatchPlan plan(lengths_of(10), 4, 42);
  EXPECT_EQ(plan.batches_per_epoch(), 3);
  EXPECT_EQ(plan.batch(0, 0).size(), 4u);
  EXPECT_EQ(plan.batch(0, 2).size(), 2u);
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    auto order = all_batches(plan, epoch);
    EXPECT_EQ(order, plan.epoch_order(epoch));
    std::sort(order.begin(), order.end());
    std::vector<int64_t> expected(10);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(order, expected) << "epoch " << epoch;
  }
  EXPECT_CONTAINS(error_of([&] { plan.batch(0, 3); }), "out of range: 3 batches per epoch");
}

TEST(BatchPlan, DependsOnlyOnSeedEpochAndIndex) {
  const BatchPlan a(lengths_of(50), 8, 7), b(lengths_of(50), 8, 7),
      other_seed(lengths_of(50), 8, 8);
  // Pinned: a change in the random stream changes every run's data order.
  EXPECT_EQ(a.batch(0, 0), (std::vector<int64_t>{5, 42, 23, 33, 11, 14, 49, 40}));
  // Reading batches out of order (as a resume does) gives the same batches.
  EXPECT_EQ(a.batch(1, 3), b.batch(1, 3));
  EXPECT_EQ(a.batch(0, 2), b.batch(0, 2));
  EXPECT_EQ(all_batches(a, 0), all_batches(b, 0));
  EXPECT_NE(all_batches(a, 0), all_batches(a, 1));
  EXPECT_NE(all_batches(a, 0), all_batches(other_seed, 0));
}

TEST(BatchPlan, WithoutShuffleKeepsFileOrder) {
  const BatchPlan plan(lengths_of(5), 2, 3, /*shuffle=*/false);
  EXPECT_EQ(plan.batch(0, 0), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(plan.batch(4, 2), (std::vector<int64_t>{4}));
}

TEST(BatchPlan, GroupByLengthSortsMegabatchesLongestFirst) {
  const int64_t n = 100, bs = 4;  // megabatch = min(100 / 16, 50) × 4 = 24 examples
  const auto lengths = lengths_of(n);
  const BatchPlan plan(lengths, bs, 5, /*shuffle=*/true, /*group_by_length=*/true);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    const auto order = all_batches(plan, epoch);
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> expected(n);
    std::iota(expected.begin(), expected.end(), 0);
    ASSERT_EQ(sorted, expected);
    // The longest example leads the first batch.
    const int64_t longest = *std::max_element(lengths.begin(), lengths.end());
    EXPECT_EQ(lengths[static_cast<size_t>(order[0])], longest);
    // Inside each megabatch lengths do not increase (the swapped first slots aside).
    for (int64_t start = 0; start < n; start += 24)
      for (int64_t i = start + 2; i < std::min(n, start + 24); ++i)
        EXPECT_GE(lengths[static_cast<size_t>(order[static_cast<size_t>(i - 1)])],
                  lengths[static_cast<size_t>(order[static_cast<size_t>(i)])])
            << "epoch " << epoch << " position " << i;
  }
  // Grouping only reorders inside megabatches of the plain shuffle (plus the
  // one swap of first elements that puts the longest example first).
  const BatchPlan plain(lengths, bs, 5);
  const auto grouped = plan.epoch_order(0), shuffled = plain.epoch_order(0);
  int differing = 0;
  for (int64_t start = 0; start < n; start += 24) {
    const auto end = std::min(n, start + 24);
    const std::set<int64_t> g(grouped.begin() + start, grouped.begin() + end);
    const std::set<int64_t> s(shuffled.begin() + start, shuffled.begin() + end);
    differing += g != s;
  }
  EXPECT_LE(differing, 2);
}

TEST(BatchPlan, RejectsBatchSizeZero) {
  EXPECT_CONTAINS(error_of([] { BatchPlan({1, 2}, 0, 0); }), "batch size must be >= 1");
}

TEST(Collate, PadsToTheLongestRowOnTheRight) {
  const SftExample a{3, {10, 11, 12}, {-100, 11, 12}};
  const SftExample b{7, {20, 21, 22, 23, 24}, {-100, -100, -100, 23, 24}};
  const auto batch = collate({&a, &b}, /*pad_id=*/0);
  EXPECT_EQ(batch.rows, 2);
  EXPECT_EQ(batch.cols, 5);
  EXPECT_EQ(batch.input_ids, (std::vector<int64_t>{10, 11, 12, 0, 0, 20, 21, 22, 23, 24}));
  EXPECT_EQ(batch.labels,
            (std::vector<int64_t>{-100, 11, 12, -100, -100, -100, -100, -100, 23, 24}));
  EXPECT_EQ(batch.attention_mask, (std::vector<int64_t>{1, 1, 1, 0, 0, 1, 1, 1, 1, 1}));
  EXPECT_EQ(batch.tokens, 8);
  EXPECT_EQ(batch.sample_ids, (std::vector<int64_t>{3, 7}));
}

TEST(Collate, PadsOnTheLeftWhenAsked) {
  const SftExample a{0, {10, 11}, {-100, 11}};
  const SftExample b{1, {20, 21, 22}, {-100, 21, 22}};
  const auto batch = collate({&a, &b}, /*pad_id=*/9, /*pad_left=*/true);
  EXPECT_EQ(batch.input_ids, (std::vector<int64_t>{9, 10, 11, 20, 21, 22}));
  EXPECT_EQ(batch.labels, (std::vector<int64_t>{-100, -100, 11, -100, 21, 22}));
  EXPECT_EQ(batch.attention_mask, (std::vector<int64_t>{0, 1, 1, 1, 1, 1}));
}

}  // namespace
}  // namespace ragforge::data::testing
