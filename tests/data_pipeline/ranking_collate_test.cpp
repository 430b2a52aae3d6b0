// collate_ranking on hand-built blocks (recipes.md §3.3): H rounding and the
// cap, truncation keeping the first H tokens, left padding, positions with
// the query block offset and the cumulative alternative, labels on the kept
// completion only, -1 padding of answer ids.
#include <gtest/gtest.h>

#include <numeric>

#include "core/error.h"
#include "data/ranking_collate.h"
#include "data_test_util.h"
#include "ranking_test_util.h"

namespace ragforge::data::testing {
namespace {

std::vector<int32_t> run(int32_t first, int32_t n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), first);
  return v;
}

// Block lengths given; token ids are 100·block + position so every token is distinct.
RankingExample example(const std::vector<int32_t>& lengths, int64_t completion, std::vector<int64_t> answers,
                       int64_t row = 0) {
  RankingExample e;
  for (size_t j = 0; j < lengths.size(); ++j) e.blocks.push_back(run(100 * int32_t(j + 1), lengths[j]));
  e.completion_tokens = completion;
  e.answers = std::move(answers);
  e.row = row;
  for (size_t j = 0; j + 2 < lengths.size(); ++j) e.doc_ids.push_back(std::to_string(j));
  return e;
}

// Values of row b, block j of a (B, M·H) array.
std::vector<int64_t> block(const RankingBatch& x, const std::vector<int64_t>& flat, int64_t b, int64_t j) {
  const auto start = flat.begin() + b * x.M * x.H + j * x.H;
  return std::vector<int64_t>(start, start + x.H);
}

TEST(RankingCollate, LeftPadsToTheLongestBlockRoundedUpTo16) {
  const RankingExample e = example({5, 3, 9}, 2, {0});
  RankingCollateOptions o;
  o.pad_id = 7;
  const RankingBatch x = collate_ranking({&e}, o);
  EXPECT_EQ(x.B, 1);
  EXPECT_EQ(x.M, 3);
  EXPECT_EQ(x.H, 16);  // longest 9 → 16
  std::vector<int64_t> b1(16, 7);
  for (int i = 0; i < 3; ++i) b1[13 + i] = 200 + i;
  EXPECT_EQ(block(x, x.input_ids, 0, 1), b1);
  std::vector<uint8_t> mask1(x.attention_mask.begin() + 16, x.attention_mask.begin() + 32);
  EXPECT_EQ(mask1, std::vector<uint8_t>({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}));
}

TEST(RankingCollate, PositionsAreBlockRelativeWithTheQueryOffset) {
  const RankingExample e = example({5, 3, 4, 6}, 2, {1});
  const RankingBatch x = collate_ranking({&e}, {});
  std::vector<int64_t> p0(16, 0), p1(16, 0), p2(16, 0), p3(16, 0);
  for (int i = 0; i < 5; ++i) p0[11 + i] = i;               // block 0: 0..4
  for (int i = 0; i < 3; ++i) p1[13 + i] = 5 + i;           // documents continue after L0 = 5
  for (int i = 0; i < 4; ++i) p2[12 + i] = 5 + i;           // ... each from the same start
  for (int i = 0; i < 6; ++i) p3[10 + i] = 16384 + i;       // last block: 16384 + 0, 1, ...
  EXPECT_EQ(block(x, x.position_ids, 0, 0), p0);
  EXPECT_EQ(block(x, x.position_ids, 0, 1), p1);
  EXPECT_EQ(block(x, x.position_ids, 0, 2), p2);
  EXPECT_EQ(block(x, x.position_ids, 0, 3), p3);
}

TEST(RankingCollate, CumulativeModeNumbersRealTokensAlongTheRow) {
  const RankingExample e = example({5, 3, 4}, 1, {});
  RankingCollateOptions o;
  o.position_mode = parse_position_mode("cumulative");
  const RankingBatch x = collate_ranking({&e}, o);
  std::vector<int64_t> real;
  for (size_t k = 0; k < x.position_ids.size(); ++k) {
    if (x.attention_mask[k]) real.push_back(x.position_ids[k]);
    else EXPECT_EQ(x.position_ids[k], 0) << k;
  }
  EXPECT_EQ(real, widen(run(0, 12)));
  EXPECT_THROW(parse_position_mode("rope"), Error);
}

TEST(RankingCollate, LabelsCoverTheCompletionAndCompletionStartPointsAtIt) {
  const RankingExample e = example({5, 3, 9}, 4, {0, 2});  // last block: 5 prompt + 4 completion tokens
  const RankingBatch x = collate_ranking({&e}, {});
  std::vector<int64_t> want(16, -100);
  for (int i = 0; i < 4; ++i) want[12 + i] = 305 + i;
  EXPECT_EQ(block(x, x.labels, 0, 2), want);
  for (int64_t j = 0; j < 2; ++j) EXPECT_EQ(block(x, x.labels, 0, j), std::vector<int64_t>(16, -100));
  EXPECT_EQ(x.completion_start, (std::vector<int64_t>{2 * 16 + 12}));
  EXPECT_EQ(x.input_ids[static_cast<size_t>(x.completion_start[0])], 305);
}

TEST(RankingCollate, TheCapKeepsTheFirstTokensAndRoundsAfterCapping) {
  // Cap 20 rounds up to H = 32: the 40-token block keeps its first 32 tokens.
  const RankingExample e = example({40, 3, 36}, 3, {});
  RankingCollateOptions o;
  o.max_block_length = 20;
  const RankingBatch x = collate_ranking({&e}, o);
  EXPECT_EQ(x.H, 32);
  EXPECT_EQ(block(x, x.input_ids, 0, 0), widen(run(100, 32)));
  // The last block (33 prompt + 3 completion) lost its whole completion.
  EXPECT_EQ(block(x, x.labels, 0, 2), std::vector<int64_t>(32, -100));
  EXPECT_EQ(x.completion_start, (std::vector<int64_t>{-1}));
  // A completion cut in the middle keeps its first tokens supervised.
  const RankingExample f = example({4, 3, 34}, 4, {});  // prompt 30, completion 30..33; H = 32 keeps 30, 31
  const RankingBatch y = collate_ranking({&f}, o);
  std::vector<int64_t> want(32, -100);
  want[30] = 330;
  want[31] = 331;
  EXPECT_EQ(block(y, y.labels, 0, 2), want);
  EXPECT_EQ(y.completion_start, (std::vector<int64_t>{2 * 32 + 30}));
}

TEST(RankingCollate, BatchesShareHAndPadAnswerIdsWithMinusOne) {
  const RankingExample a = example({5, 3, 4}, 1, {0}, 7), b = example({20, 3, 4}, 1, {0, 1, 2}, 9);
  const RankingBatch x = collate_ranking({&a, &b}, {});
  EXPECT_EQ(x.H, 32);  // longest of the batch: 20
  EXPECT_EQ(x.P, 3);
  EXPECT_EQ(x.answer_ids, (std::vector<int64_t>{0, -1, -1, 0, 1, 2}));
  EXPECT_EQ(x.sample_ids, (std::vector<int64_t>{7, 9}));
  EXPECT_EQ(x.input_ids.size(), 2u * 3 * 32);
  EXPECT_EQ(x.attention_mask.size(), 2u * 3 * 32);
}

TEST(RankingCollate, RowsWithDifferentDocumentCountsCannotShareABatch) {
  const RankingExample a = example({5, 3, 4}, 1, {}, 0), b = example({5, 3, 3, 4}, 1, {}, 1);
  EXPECT_CONTAINS(error_of([&] { collate_ranking({&a, &b}, {}); }), "per_device_eval_batch_size: 1");
  EXPECT_CONTAINS(error_of([&] { collate_ranking({}, {}); }), "empty batch");
}

TEST(RankingCollate, AMaskedRealUnkTokenStaysVisible) {
  // The mask comes from the padding, not from the pad id (Decision 7).
  RankingExample e = example({2, 2, 3}, 1, {});
  e.blocks[1] = {0, 0};
  const RankingBatch x = collate_ranking({&e}, {});
  EXPECT_EQ(x.attention_mask[16 + 14], 1);
  EXPECT_EQ(x.attention_mask[16 + 15], 1);
  EXPECT_EQ(x.attention_mask[16 + 13], 0);
}

}  // namespace
}  // namespace ragforge::data::testing
