// train::LossScaler against torch GradScaler's semantics: defaults, backoff on
// overflow, growth after growth_interval good steps, exact fp32 unscaling,
// the disabled no-op and the checkpoint state.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "train/loss_scaler.h"

namespace ragforge::train {
namespace {

LossScalerOptions enabled(int64_t growth_interval = 2000) {
  LossScalerOptions o;
  o.enabled = true;
  o.growth_interval = growth_interval;
  return o;
}

// One parameter `w` with gradient `grad`.
NamedParameters param_with_grad(const torch::Tensor& grad) {
  torch::Tensor w = torch::zeros_like(grad).requires_grad_(true);
  w.mutable_grad() = grad.clone();
  return {{"w", w}};
}

TEST(LossScaler, DefaultsAreGradScalers) {
  LossScaler s(enabled());
  EXPECT_EQ(s.scale(), 65536.0);
  EXPECT_EQ(s.growth_tracker(), 0);
  const nlohmann::json st = s.state_dict();
  EXPECT_EQ(st["scale"], 65536.0);
  EXPECT_EQ(st["growth_factor"], 2.0);
  EXPECT_EQ(st["backoff_factor"], 0.5);
  EXPECT_EQ(st["growth_interval"], 2000);
  EXPECT_EQ(st["_growth_tracker"], 0);
}

TEST(LossScaler, ScaleLossMultipliesByTheScale) {
  LossScaler s(enabled());
  EXPECT_EQ(s.scale_loss(torch::tensor(1.5f)).item<float>(), 98304.0f);  // 1.5 × 2^16
}

TEST(LossScaler, OverflowOnFirstStepHalvesTheScaleAndReportsIt) {
  LossScaler s(enabled());
  for (float bad : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), std::nanf("")}) {
    auto params = param_with_grad(torch::tensor({1.0f, bad, 2.0f}));
    EXPECT_TRUE(s.unscale(params)) << bad;
  }
  s.update(true);
  EXPECT_EQ(s.scale(), 32768.0);
  EXPECT_EQ(s.growth_tracker(), 0);
  s.update(true);
  EXPECT_EQ(s.scale(), 16384.0);
}

TEST(LossScaler, GrowsAfterGrowthIntervalGoodStepsAndAnOverflowResetsTheCount) {
  LossScaler s(enabled(3));
  s.update(false);
  s.update(false);
  EXPECT_EQ(s.growth_tracker(), 2);
  EXPECT_EQ(s.scale(), 65536.0);
  s.update(false);  // third good step in a row
  EXPECT_EQ(s.scale(), 131072.0);
  EXPECT_EQ(s.growth_tracker(), 0);
  s.update(false);
  s.update(false);
  s.update(true);  // the run of good steps starts again
  EXPECT_EQ(s.scale(), 65536.0);
  s.update(false);
  s.update(false);
  EXPECT_EQ(s.scale(), 65536.0);
  s.update(false);
  EXPECT_EQ(s.scale(), 131072.0);
}

TEST(LossScaler, GrowthStopsWhereFp32WouldOverflow) {
  LossScalerOptions o = enabled(1);
  o.init_scale = std::ldexp(1.0, 127);  // the largest power of two in fp32
  LossScaler s(o);
  s.update(false);
  EXPECT_EQ(s.scale(), std::ldexp(1.0, 127));
  EXPECT_EQ(s.growth_tracker(), 0);
}

TEST(LossScaler, UnscaleDividesGradientsExactlyInFp32) {
  LossScaler s(enabled());
  auto params = param_with_grad(torch::tensor({65536.0f, -3.0f, 0.0f, 1e-3f}));
  torch::Tensor b = torch::zeros({2}, torch::kHalf).requires_grad_(true);
  b.mutable_grad() = torch::tensor({32768.0f, 6.0f}).to(torch::kHalf);
  params.emplace_back("b", b);
  torch::Tensor unused = torch::zeros({2}).requires_grad_(true);  // no gradient: left alone
  params.emplace_back("unused", unused);
  EXPECT_FALSE(s.unscale(params));
  torch::Tensor g = params[0].second.grad();
  EXPECT_EQ(g[0].item<float>(), 1.0f);
  EXPECT_EQ(g[1].item<float>(), -3.0f / 65536.0f);
  EXPECT_EQ(g[2].item<float>(), 0.0f);
  EXPECT_EQ(g[3].item<float>(), 1e-3f / 65536.0f);
  ASSERT_EQ(b.grad().scalar_type(), torch::kHalf);  // keeps its dtype
  EXPECT_EQ(b.grad()[0].item<float>(), 0.5f);
  EXPECT_EQ(b.grad()[1].item<float>(), static_cast<float>(static_cast<c10::Half>(6.0f / 65536.0f)));
  EXPECT_FALSE(unused.grad().defined());
}

TEST(LossScaler, UnscaleAfterBackoffUsesTheNewScale) {
  LossScaler s(enabled());
  s.update(true);  // 32768
  auto params = param_with_grad(torch::tensor({32768.0f, 3.0f}));
  EXPECT_FALSE(s.unscale(params));
  EXPECT_EQ(params[0].second.grad()[0].item<float>(), 1.0f);
  EXPECT_EQ(params[0].second.grad()[1].item<float>(), 3.0f / 32768.0f);
}

TEST(LossScaler, DisabledChangesNothing) {
  LossScaler s;  // bf16 / fp32 runs
  EXPECT_FALSE(s.enabled());
  EXPECT_EQ(s.scale(), 1.0);
  torch::Tensor loss = torch::tensor(2.5f);
  EXPECT_TRUE(s.scale_loss(loss).is_same(loss));
  auto params = param_with_grad(torch::tensor({std::numeric_limits<float>::infinity(), 3.0f}));
  EXPECT_FALSE(s.unscale(params));
  EXPECT_EQ(params[0].second.grad()[1].item<float>(), 3.0f);
  s.update(true);
  EXPECT_EQ(s.scale(), 1.0);
  EXPECT_TRUE(s.state_dict().is_null());
}

TEST(LossScaler, StateDictRoundTripsAndNullKeepsTheDefaults) {
  LossScaler a(enabled(5));
  a.update(true);
  a.update(false);
  a.update(false);
  LossScaler b(enabled(5));
  b.load_state_dict(a.state_dict(), "state.json");
  EXPECT_EQ(b.scale(), 32768.0);
  EXPECT_EQ(b.growth_tracker(), 2);
  b.update(false);
  b.update(false);
  b.update(false);  // 5 good steps counting the restored 2
  EXPECT_EQ(b.scale(), 65536.0);

  LossScaler old(enabled());
  old.load_state_dict(nullptr, "state.json");  // checkpoint from before loss scaling
  EXPECT_EQ(old.scale(), 65536.0);
  EXPECT_EQ(old.growth_tracker(), 0);
}

TEST(LossScaler, DamagedStateAndBadOptionsAreErrors) {
  LossScaler s(enabled());
  nlohmann::json st = s.state_dict();
  st.erase("_growth_tracker");
  try {
    s.load_state_dict(st, "ckpt/trainer_state/state.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt/trainer_state/state.json: loss_scaler._growth_tracker"), std::string::npos)
        << e.what();
  }
  LossScalerOptions o = enabled();
  o.growth_factor = 1.0;
  EXPECT_THROW(LossScaler{o}, Error);
  o = enabled();
  o.backoff_factor = 1.0;
  EXPECT_THROW(LossScaler{o}, Error);
  o = enabled(0);
  EXPECT_THROW(LossScaler{o}, Error);
}

}  // namespace
}  // namespace ragforge::train
