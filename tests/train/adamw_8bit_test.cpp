// `adamw_8bit` against fp32 `adamw`: tracking on a regression problem, exact
// equality below 4096 elements, and chunking that does not change results.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

#include "optim_test_util.h"
#include "train/adamw_8bit.h"
#include "train/adamw_core.h"
#include "train/blockwise_quant.h"
#include "train/optimizer.h"

namespace ragforge::train {
namespace {

using testing::max_abs_diff;

struct FitResult {
  double initial_loss = 0, final_loss = 0;
  torch::Tensor w, b;
};

// A 64×128 linear layer (8192 weights: quantized; 64 biases: fp32 moments)
// fitted to a random linear target by full-batch MSE, 200 steps at lr 1e-2.
FitResult fit(const std::string& optimizer) {
  testing::Regression problem(256, 128, 64, /*seed=*/21);
  auto params = testing::linear_parameters(128, 64, /*seed=*/22);
  OptimizerConfig config;
  config.name = optimizer;
  config.weight_decay = 0.01;
  auto opt = make_optimizer(config, params);
  FitResult r;
  for (int step = 0; step < 200; ++step) {
    opt->zero_grad();
    auto loss = problem.loss(params[0].second, params[1].second);
    if (step == 0) r.initial_loss = loss.item<double>();
    loss.backward();
    opt->step(1e-2);
  }
  torch::NoGradGuard no_grad;
  r.final_loss = problem.loss(params[0].second, params[1].second).item<double>();
  r.w = params[0].second.detach();
  r.b = params[1].second.detach();
  return r;
}

TEST(AdamW8bit, TracksFp32AdamWOnRegression) {
  const auto fp32 = fit("adamw");
  const auto q8 = fit("adamw_8bit");
  const double rel = std::abs(q8.final_loss - fp32.final_loss) / fp32.final_loss;
  const double w_rel = (q8.w - fp32.w).norm().item<double>() / fp32.w.norm().item<double>();
  std::cout << "[ figures  ] initial loss " << fp32.initial_loss << ", after 200 steps: fp32 "
            << fp32.final_loss << ", 8-bit " << q8.final_loss << " (relative difference " << rel
            << "); ‖W8 − W32‖/‖W32‖ = " << w_rel
            << ", max |b8 − b32| = " << max_abs_diff(q8.b, fp32.b) << "\n";
  EXPECT_LT(fp32.final_loss, 0.05 * fp32.initial_loss);  // the problem is being solved
  EXPECT_LT(rel, 0.05);
  EXPECT_LT(w_rel, 0.02);
}

// Below 4096 elements the moments are fp32 and the update is adamw's, bit for bit.
TEST(AdamW8bit, SmallTensorsEqualAdamWExactly) {
  torch::manual_seed(4);
  auto init = torch::randn({4095});
  auto a = init.clone().set_requires_grad(true);
  auto b = init.clone().set_requires_grad(true);
  OptimizerConfig config;
  config.weight_decay = 0.1;
  auto fp32 = make_optimizer(config, {{"w", a}});
  config.name = "adamw_8bit";
  auto q8 = make_optimizer(config, {{"w", b}});
  for (int step = 0; step < 5; ++step) {
    auto grad = torch::randn({4095});
    a.mutable_grad() = grad.clone();
    b.mutable_grad() = grad.clone();
    fp32->step(1e-2);
    q8->step(1e-2);
  }
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE(torch::equal(q8->state_dict().at("w.exp_avg_sq"), fp32->state_dict().at("w.exp_avg_sq")));

  auto big = torch::zeros({64, 64}).set_requires_grad(true);  // 4096 elements: quantized
  auto state = make_optimizer(config, {{"big", big}})->state_dict();
  EXPECT_EQ(state.count("big.exp_avg"), 0u);
  EXPECT_EQ(state.at("big.exp_avg.codes").scalar_type(), torch::kByte);
  EXPECT_EQ(state.at("big.exp_avg.codes").sizes(), torch::IntArrayRef({4096}));
  EXPECT_EQ(state.at("big.exp_avg_sq.absmax").sizes(), torch::IntArrayRef({2}));
}

// A tensor spanning several chunks gives exactly what one dequantize /
// update / requantize pass over the whole tensor gives.
TEST(AdamW8bit, ChunkedStepEqualsOnePass) {
  const int64_t n = 2 * AdamW8bit::kChunkElements + 3000;
  torch::manual_seed(9);
  auto init = torch::randn({n});
  auto p = init.clone().set_requires_grad(true);
  OptimizerConfig config;
  config.name = "adamw_8bit";
  config.weight_decay = 0.1;
  auto opt = make_optimizer(config, {{"w", p}});

  // The reference keeps the same state as one flat pass would.
  auto ref = init.clone();
  const int64_t nb = (n + kQuantBlockSize - 1) / kQuantBlockSize;
  auto signed_book = CodeBook::dynamic(true, torch::kCPU);
  auto unsigned_book = CodeBook::dynamic(false, torch::kCPU);
  auto c1 = torch::zeros({n}, torch::kByte), c2 = torch::zeros({n}, torch::kByte);
  auto a1 = torch::zeros({nb}), a2 = torch::zeros({nb});
  for (int64_t step = 1; step <= 3; ++step) {
    auto grad = torch::randn({n});
    p.mutable_grad() = grad;
    opt->step(1e-3);
    auto m = dequantize_blockwise(c1, a1, signed_book);
    auto v = dequantize_blockwise(c2, a2, unsigned_book);
    detail::adamw_update(ref, grad, m, v, step, 1e-3, 0.1, config);
    quantize_blockwise(m, signed_book, c1, a1);
    quantize_blockwise(v, unsigned_book, c2, a2);
  }
  EXPECT_TRUE(torch::equal(p.detach(), ref));
  auto state = opt->state_dict();
  EXPECT_TRUE(torch::equal(state.at("w.exp_avg.codes"), c1));
  EXPECT_TRUE(torch::equal(state.at("w.exp_avg_sq.absmax"), a2));
}

// The same torch ops on a CUDA device (skipped without one): a step there
// matches the CPU step to float rounding, and the codes nearly all agree.
TEST(AdamW8bit, CudaStepMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(13);
  auto init = torch::randn({3, 5000});
  auto cpu = init.clone().set_requires_grad(true);
  auto gpu = init.to(torch::kCUDA).set_requires_grad(true);
  OptimizerConfig config;
  config.name = "adamw_8bit";
  auto opt_cpu = make_optimizer(config, {{"w", cpu}});
  auto opt_gpu = make_optimizer(config, {{"w", gpu}});
  for (int step = 0; step < 5; ++step) {
    auto grad = torch::randn({3, 5000});
    cpu.mutable_grad() = grad;
    gpu.mutable_grad() = grad.to(torch::kCUDA);
    opt_cpu->step(1e-2);
    opt_gpu->step(1e-2);
  }
  EXPECT_LE(max_abs_diff(cpu, gpu.cpu()), 1e-5);
  auto codes_cpu = opt_cpu->state_dict().at("w.exp_avg.codes");
  auto codes_gpu = opt_gpu->state_dict().at("w.exp_avg.codes").cpu();
  EXPECT_GT(codes_cpu.eq(codes_gpu).to(torch::kDouble).mean().item<double>(), 0.999);
}

}  // namespace
}  // namespace ragforge::train
