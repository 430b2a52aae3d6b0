// The fast paths (model/flash_attention.h, model/fused_ops.h) against the
// reference formulas they replace: values and gradients, in float64 where the
// math is the same (1e-12; attention 1e-6, the reference's softmax being
// float32) and float32 where the reference is float32-only (RMSNorm: 1e-5
// relative).
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "model/attention.h"
#include "model/flash_attention.h"
#include "model/fused_ops.h"
#include "model/rope.h"
#include "torch_test_util.h"

namespace ragforge::model {
namespace {
using ragforge::testing::close;
using ragforge::testing::max_abs_diff;

struct Grads {
  torch::Tensor out;
  std::vector<torch::Tensor> grads;
};

// Output and input gradients of f under a fixed random upstream gradient.
template <typename F>
Grads run(F f, std::vector<torch::Tensor> inputs, const torch::Tensor& upstream) {
  for (auto& x : inputs) x = x.detach().clone().requires_grad_(true);
  auto out = f(inputs);
  (out * upstream).sum().backward();
  Grads g{out.detach(), {}};
  for (auto& x : inputs) g.grads.push_back(x.grad());
  return g;
}

// ATen's intra-op threads for one scope (the test binary runs with one).
struct AtenThreads {
  int previous = at::get_num_threads();
  explicit AtenThreads(int n) { at::set_num_threads(n); }
  ~AtenThreads() { at::set_num_threads(previous); }
};

// At 2 threads the heads run in parallel, each single-threaded (for_each_head).
class FlashAttentionThreads : public ::testing::TestWithParam<int> {};
INSTANTIATE_TEST_SUITE_P(Threads, FlashAttentionThreads, ::testing::Values(1, 2));

TEST_P(FlashAttentionThreads, MatchesEagerValuesAndGradientsForCausalPaddingWindowsAndBlocks) {
  AtenThreads threads(GetParam());
  torch::manual_seed(3);
  const int64_t B = 2, H = 4, KV = 2, T = 300, D = 16;  // 3 query blocks, the last one partial; GQA 2:1
  auto f64 = torch::kFloat64;
  auto q = torch::randn({B, H, T, D}, f64), k = torch::randn({B, KV, T, D}, f64), v = torch::randn({B, KV, T, D}, f64);
  auto right_pad = torch::ones({B, T}, torch::kInt64);
  right_pad.index_put_({1, torch::indexing::Slice(250, T)}, 0);
  std::vector<std::pair<std::string, AttentionSpec>> specs = {
      {"causal", AttentionSpec::causal_lm()},
      {"right padding", AttentionSpec::causal_lm(right_pad)},
      {"sliding window 50", AttentionSpec::causal_lm({}, 50)},  // with padding, late pads would see no key
  };
  auto block_ids = (torch::arange(T) / 60).repeat({B, 1});  // 5 blocks of 60
  specs.push_back({"blocks", AttentionSpec::blockrank(block_ids, right_pad.to(torch::kBool), 5)});
  auto upstream = torch::randn({B, H, T, D}, f64);
  for (const auto& [name, spec] : specs) {
    auto ref = run([&](auto& x) { return attention_eager(x[0], x[1], x[2], spec, 0.25); }, {q, k, v}, upstream);
    auto fast = run([&](auto& x) { return flash_attention(x[0], x[1], x[2], spec, 0.25); }, {q, k, v}, upstream);
    ASSERT_TRUE(fast.out.defined()) << name;
    // The reference's softmax is float32 (as HF's), hence 1e-6 on float64 inputs.
    EXPECT_LE(max_abs_diff(fast.out, ref.out), 1e-6) << name;
    for (int i = 0; i < 3; ++i) EXPECT_LE(max_abs_diff(fast.grads[i], ref.grads[i]), 1e-6) << name << " grad " << i;
  }
}

TEST(FlashAttention, DeclinesWhatItDoesNotCoverAndTheFastPathStillMatches) {
  torch::manual_seed(4);
  const int64_t B = 2, H = 2, T = 40, D = 8;
  auto q = torch::randn({B, H, T, D}), k = torch::randn({B, H, T, D}), v = torch::randn({B, H, T, D});
  auto left_pad = torch::ones({B, T}, torch::kInt64);
  left_pad.index_put_({0, torch::indexing::Slice(0, 5)}, 0);  // pad queries see no key: HF's uniform rows
  auto spec = AttentionSpec::causal_lm(left_pad);
  EXPECT_FALSE(flash_attention(q, k, v, spec, 0.3).defined());
  EXPECT_LE(max_abs_diff(attention_fast(q, k, v, spec, 0.3), attention_eager(q, k, v, spec, 0.3)), 1e-5);
  EXPECT_FALSE(flash_attention(q.to(torch::kBFloat16), k.to(torch::kBFloat16), v.to(torch::kBFloat16),
                               AttentionSpec::causal_lm(), 0.3)
                   .defined());
  AttentionSpec decoding = AttentionSpec::causal_lm();
  decoding.query_offset = 3;
  EXPECT_FALSE(flash_attention(q, k, v, decoding, 0.3).defined());
}

TEST(FusedOps, RmsNormMatchesTheReferenceInFloat32) {
  torch::manual_seed(5);
  auto x = torch::randn({3, 7, 96}) * 3, w = torch::randn({96});
  auto upstream = torch::randn({3, 7, 96});
  auto reference = [](const torch::Tensor& x, const torch::Tensor& w, double eps) {
    auto h = x * torch::rsqrt(x.pow(2).mean(-1, true) + eps);
    return w * h;
  };
  auto ref = run([&](auto& in) { return reference(in[0], in[1], 1e-6); }, {x, w}, upstream);
  auto fast = run([&](auto& in) { return fused_rms_norm(in[0], in[1], 1e-6); }, {x, w}, upstream);
  EXPECT_TRUE(close(fast.out, ref.out, 1e-5, 0, "y"));
  EXPECT_TRUE(close(fast.grads[0], ref.grads[0], 1e-5, 0, "dx"));
  EXPECT_TRUE(close(fast.grads[1], ref.grads[1], 1e-5, 0, "dw"));
  // A frozen weight (LoRA) gets no gradient and dx is unchanged.
  auto xf = x.clone().requires_grad_(true);
  (fused_rms_norm(xf, w, 1e-6) * upstream).sum().backward();
  EXPECT_TRUE(close(xf.grad(), ref.grads[0], 1e-5, 0, "dx, frozen weight"));
  EXPECT_FALSE(fused_rms_norm(x.to(torch::kFloat64), w.to(torch::kFloat64), 1e-6).defined());
}

TEST(FusedOps, SwigluMatchesSiluTimesUpIncludingViewsOfOneProjection) {
  torch::manual_seed(6);
  auto gu = torch::randn({2, 5, 2 * 33}, torch::kFloat64) * 4;
  auto upstream = torch::randn({2, 5, 33}, torch::kFloat64);
  auto split = [](const torch::Tensor& t) { return std::make_pair(t.narrow(-1, 0, 33), t.narrow(-1, 33, 33)); };
  auto ref = run([&](auto& in) { auto [g, u] = split(in[0]); return torch::silu(g) * u; }, {gu}, upstream);
  auto fast = run([&](auto& in) { auto [g, u] = split(in[0]); return fused_swiglu(g, u); }, {gu}, upstream);
  EXPECT_LE(max_abs_diff(fast.out, ref.out), 1e-12);
  EXPECT_LE(max_abs_diff(fast.grads[0], ref.grads[0]), 1e-12);
}

TEST(FusedOps, RotaryMatchesApplyRotaryAndReturnsTheAttentionLayout) {
  torch::manual_seed(7);
  const int64_t B = 2, T = 9, H = 3, D = 8;
  auto x = torch::randn({B, T, H, D}, torch::kFloat64);
  auto angles = torch::randn({B, T, D}, torch::kFloat64);
  auto cos = angles.cos(), sin = angles.sin();
  auto upstream = torch::randn({B, H, T, D}, torch::kFloat64);
  auto ref = run([&](auto& in) { return apply_rotary(in[0].transpose(1, 2), cos, sin); }, {x}, upstream);
  auto fast = run([&](auto& in) { return fused_rotary(in[0], cos, sin); }, {x}, upstream);
  EXPECT_EQ(fast.out.sizes(), torch::IntArrayRef({B, H, T, D}));
  EXPECT_LE(max_abs_diff(fast.out, ref.out), 1e-12);
  EXPECT_LE(max_abs_diff(fast.grads[0], ref.grads[0]), 1e-12);
}

}  // namespace
// ATen's parallel_for is a header template: compiled without OpenMP it runs
// its body on the calling thread only (ATen/ParallelOpenMP.h), and the fused
// ops and attention would use one core. This catches a build that lost it.
TEST(FusedOps, AtenParallelForInOurCodeRunsOnSeveralThreads) {
  AtenThreads threads(2);
  std::mutex m;
  std::set<std::thread::id> ids;
  at::parallel_for(0, 64, 1, [&](int64_t, int64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard<std::mutex> lock(m);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_GE(ids.size(), 2u);
}

}  // namespace ragforge::model
