// The dynamic code maps (bitsandbytes create_dynamic_map) and blockwise
// quantization: hard-coded map values, nearest-code choice, error bounds.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/blockwise_quant.h"

namespace ragforge::train {
namespace {

TEST(DynamicMap, SignedValues) {
  auto m = create_dynamic_map(true);
  ASSERT_EQ(m.numel(), 256);
  EXPECT_EQ(m.scalar_type(), torch::kFloat);
  EXPECT_TRUE((m.slice(0, 1) > m.slice(0, 0, -1)).all().item<bool>());  // ascending, distinct
  // 127 negative values, 0, 127 positive values and 1; no −1.
  EXPECT_FLOAT_EQ(m[0].item<float>(), -0.99296875f);  // −(1 − 0.9/128)
  EXPECT_EQ(m[127].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(m[128].item<float>(), 0.55e-6f);  // midpoint of linspace(0.1, 1, 2) · 1e-6
  EXPECT_FLOAT_EQ(m[254].item<float>(), 0.99296875f);
  EXPECT_EQ(m[255].item<float>(), 1.0f);
  EXPECT_TRUE(torch::equal(m.slice(0, 0, 127), -m.slice(0, 128, 255).flip(0)));
  EXPECT_EQ((m > 0.1).sum().item<int64_t>(), 65);  // 64 fraction values of the top decade, plus 1
}

TEST(DynamicMap, UnsignedValues) {
  auto m = create_dynamic_map(false);
  ASSERT_EQ(m.numel(), 256);
  EXPECT_TRUE((m.slice(0, 1) > m.slice(0, 0, -1)).all().item<bool>());
  EXPECT_EQ(m[0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(m[1].item<float>(), 0.325e-6f);  // linspace(0.1, 1, 3) midpoints · 1e-6
  EXPECT_FLOAT_EQ(m[2].item<float>(), 0.775e-6f);
  EXPECT_FLOAT_EQ(m[254].item<float>(), 0.996484375f);  // 1 − 0.9/256
  EXPECT_EQ(m[255].item<float>(), 1.0f);
  EXPECT_EQ((m > 0.1).sum().item<int64_t>(), 129);
}

// With absmax 1 every element gets the nearest of the 256 values.
TEST(BlockwiseQuant, PicksTheNearestCode) {
  for (bool is_signed : {true, false}) {
    auto book = CodeBook::dynamic(is_signed, torch::kCPU);
    torch::manual_seed(11);
    auto x = is_signed ? torch::rand({2048}) * 2 - 1 : torch::rand({2048});
    x[0] = 1.0f;
    auto codes = torch::empty({2048}, torch::kByte);
    auto absmax = torch::empty({1});
    quantize_blockwise(x, book, codes, absmax);
    EXPECT_EQ(absmax.item<float>(), 1.0f);
    auto chosen = (x - book.values.index_select(0, codes.to(torch::kLong))).abs();
    auto best = std::get<0>((x.unsqueeze(1) - book.values.unsqueeze(0)).abs().min(1));
    EXPECT_LE((chosen - best).max().item<float>(), 1e-7f) << "signed=" << is_signed;
  }
}

// |dequantize(quantize(x)) − x| ≤ bound · absmax of x's block, where bound is
// the largest distance from a point of [−1, 1] (or [0, 1]) to its nearest code:
// half the widest gap, or 1 − 0.99296875 below the lowest signed code.
TEST(BlockwiseQuant, RoundTripErrorIsBounded) {
  torch::manual_seed(5);
  const int64_t n = 5 * kQuantBlockSize + 123;  // a partial last block
  auto scales = torch::tensor({1e-4f, 1.0f, 30.0f, 1e-7f, 2.0f, 0.5f});
  auto x = torch::randn({n}) *
           scales.repeat_interleave(kQuantBlockSize).slice(0, 0, n);
  for (bool is_signed : {true, false}) {
    auto v = is_signed ? x : x.square();
    auto book = CodeBook::dynamic(is_signed, torch::kCPU);
    const float bound = is_signed ? 0.00703125f : 0.003515625f;
    auto codes = torch::empty({n}, torch::kByte);
    auto absmax = torch::empty({6});
    quantize_blockwise(v, book, codes, absmax);
    auto padded = torch::constant_pad_nd(v, {0, 6 * kQuantBlockSize - n}, 0).view({6, -1});
    EXPECT_TRUE(torch::equal(absmax, std::get<0>(padded.abs().max(1))));
    auto back = dequantize_blockwise(codes, absmax, book);
    ASSERT_EQ(back.numel(), n);
    auto limit = absmax.repeat_interleave(kQuantBlockSize).slice(0, 0, n) * bound * 1.0001f;
    EXPECT_TRUE(((back - v).abs() <= limit).all().item<bool>()) << "signed=" << is_signed;
  }
  auto book = CodeBook::dynamic(true, torch::kCPU);
  const auto gaps = book.values.slice(0, 1) - book.values.slice(0, 0, -1);
  EXPECT_NEAR(gaps.max().item<float>(), 0.0140625f, 1e-7);  // so half a gap ≤ 0.00703125
}

TEST(BlockwiseQuant, ZeroBlockDecodesToZero) {
  auto book = CodeBook::dynamic(false, torch::kCPU);
  auto codes = torch::empty({3000}, torch::kByte);
  auto absmax = torch::empty({2});
  quantize_blockwise(torch::zeros({3000}), book, codes, absmax);
  EXPECT_TRUE(torch::equal(absmax, torch::zeros({2})));
  EXPECT_TRUE(torch::equal(dequantize_blockwise(codes, absmax, book), torch::zeros({3000})));
}

}  // namespace
}  // namespace ragforge::train
