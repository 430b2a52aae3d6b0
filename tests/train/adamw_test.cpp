// `adamw` against LibTorch's own torch::optim::AdamW (the same math as
// torch.optim.AdamW), HF's no-decay groups, and fp32 master weights.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "core/error.h"
#include "optim_test_util.h"
#include "train/optimizer.h"

namespace ragforge::train {
namespace {

using testing::max_abs_diff;

// A tiny model with a decayed weight, a bias and a norm weight (no decay).
struct Tiny {
  torch::Tensor w, b, g;  // w: [6, 8], b: [6], g: [6] (an RMSNorm-like gain)
  static Tiny make() {
    torch::manual_seed(7);
    return {(torch::randn({6, 8}) * 0.3).set_requires_grad(true),
            (torch::randn({6}) * 0.1).set_requires_grad(true),
            (torch::ones({6}) + torch::randn({6}) * 0.05).set_requires_grad(true)};
  }
  Tiny clone() const {
    return {w.detach().clone().set_requires_grad(true), b.detach().clone().set_requires_grad(true),
            g.detach().clone().set_requires_grad(true)};
  }
  NamedParameters named() const {
    return {{"model.layers.0.mlp.up_proj.weight", w},
            {"model.layers.0.mlp.up_proj.bias", b},
            {"model.layers.0.post_attention_layernorm.weight", g}};
  }
  void backward(const torch::Tensor& x, const torch::Tensor& y) const {
    auto pred = (torch::matmul(x, w.t()) + b) * g;
    torch::mse_loss(pred, y).backward();
  }
};

TEST(AdamW, MatchesLibTorchAdamWOverTwentySteps) {
  torch::manual_seed(1);
  auto x = torch::randn({16, 8});
  auto y = torch::randn({16, 6});
  Tiny ours = Tiny::make();
  Tiny ref = ours.clone();

  OptimizerConfig config;
  config.name = "adamw_torch";
  config.weight_decay = 0.1;
  config.beta2 = 0.95;
  auto opt = make_optimizer(config, ours.named());

  using torch::optim::AdamWOptions;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{ref.w},
                      std::make_unique<AdamWOptions>(
                          AdamWOptions(1e-2).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.1)));
  groups.emplace_back(std::vector<torch::Tensor>{ref.b, ref.g},
                      std::make_unique<AdamWOptions>(
                          AdamWOptions(1e-2).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.0)));
  torch::optim::AdamW torch_adamw(groups, AdamWOptions(1e-2));

  for (int step = 0; step < 20; ++step) {
    const double lr = 1e-2 * (1.0 - step / 40.0);  // a changing lr, as a schedule gives
    opt->zero_grad();
    ours.backward(x, y);
    opt->step(lr);
    torch_adamw.zero_grad();
    ref.backward(x, y);
    for (auto& group : torch_adamw.param_groups()) {
      static_cast<AdamWOptions&>(group.options()).lr(lr);
    }
    torch_adamw.step();
  }
  // Same ops in the same order: the tolerance is 1e-6, the measured difference is 0.
  EXPECT_LE(max_abs_diff(ours.w, ref.w), 1e-6);
  EXPECT_LE(max_abs_diff(ours.b, ref.b), 1e-6);
  EXPECT_LE(max_abs_diff(ours.g, ref.g), 1e-6);
  EXPECT_TRUE(torch::equal(ours.w, ref.w));
  EXPECT_GT(max_abs_diff(ours.w, Tiny::make().w), 1e-3);  // it did move

  auto state = opt->state_dict();
  EXPECT_EQ(state.at("model.layers.0.mlp.up_proj.weight.step").item<int64_t>(), 20);
  EXPECT_EQ(state.at("model.layers.0.mlp.up_proj.weight.exp_avg").sizes(), ours.w.sizes());
}

TEST(AdamW, NoDecayNamesFollowHF) {
  for (const char* name : {"model.layers.0.self_attn.q_proj.bias", "model.norm.weight",
                           "model.layers.3.input_layernorm.weight",
                           "model.layers.3.post_attention_layernorm.weight",
                           "model.layers.3.self_attn.q_norm.weight",
                           "model.layers.3.self_attn.k_norm.weight",
                           "bert.encoder.layer.0.output.LayerNorm.weight", "head.bias", "bias"}) {
    EXPECT_TRUE(is_no_decay_parameter(name)) << name;
  }
  for (const char* name : {"model.embed_tokens.weight", "lm_head.weight",
                           "model.layers.0.mlp.down_proj.weight",
                           "base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight",
                           "model.layers.0.self_attn.o_proj.weight", "weight"}) {
    EXPECT_FALSE(is_no_decay_parameter(name)) << name;
  }
}

// With a zero gradient the moments stay 0 and the update is pure decay:
// p ← p·(1 − lr·wd) in the decay group, p unchanged in the no-decay group.
TEST(AdamW, DecayGroupsAndDecayAll) {
  for (bool decay_all : {false, true}) {
    Tiny t = Tiny::make();
    Tiny before = t.clone();
    OptimizerConfig config;
    config.weight_decay = 0.5;
    config.decay_all = decay_all;
    auto opt = make_optimizer(config, t.named());
    for (const auto& p : {t.w, t.b, t.g}) p.mutable_grad() = torch::zeros_like(p);
    opt->step(0.1);
    const float factor = 1.0f - 0.1f * 0.5f;
    EXPECT_TRUE(torch::allclose(t.w, before.w * factor, 0, 1e-7));
    EXPECT_TRUE(torch::allclose(t.b, decay_all ? before.b * factor : before.b, 0, 1e-7));
    EXPECT_TRUE(torch::allclose(t.g, decay_all ? before.g * factor : before.g, 0, 1e-7));
  }
}

TEST(AdamW, ZeroGradDropsGradientsAndSkipsParametersWithout) {
  Tiny t = Tiny::make();
  auto opt = make_optimizer(OptimizerConfig{}, t.named());
  t.w.mutable_grad() = torch::ones_like(t.w);
  opt->step(1e-3);
  opt->zero_grad();
  EXPECT_FALSE(t.w.grad().defined());
  auto state = opt->state_dict();
  EXPECT_EQ(state.at("model.layers.0.mlp.up_proj.weight.step").item<int64_t>(), 1);
  EXPECT_EQ(state.at("model.layers.0.mlp.up_proj.bias.step").item<int64_t>(), 0);
}

// bf16 parameters with fp32_master_weights follow the fp32 run exactly on the
// master copy; the parameter is the master rounded to bf16.
TEST(AdamW, Fp32MasterWeightsTrackTheFp32Run) {
  torch::manual_seed(3);
  auto init = (torch::randn({32, 16}) * 0.1).to(torch::kBFloat16).to(torch::kFloat);
  auto p16 = init.to(torch::kBFloat16).set_requires_grad(true);
  auto p32 = init.clone().set_requires_grad(true);
  OptimizerConfig config;
  config.weight_decay = 0.01;
  config.fp32_master_weights = true;
  auto opt16 = make_optimizer(config, {{"w", p16}});
  config.fp32_master_weights = false;
  auto opt32 = make_optimizer(config, {{"w", p32}});
  for (int step = 0; step < 10; ++step) {
    auto grad = torch::randn({32, 16}).to(torch::kBFloat16);  // bf16-exact values
    p16.mutable_grad() = grad;
    p32.mutable_grad() = grad.to(torch::kFloat);
    opt16->step(1e-3);
    opt32->step(1e-3);
  }
  auto master = opt16->state_dict().at("w.master");
  EXPECT_EQ(master.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(master, p32));
  EXPECT_TRUE(torch::equal(p16, master.to(torch::kBFloat16)));
  EXPECT_EQ(opt32->state_dict().count("w.master"), 0u);

  // Without a master copy the moments are still fp32 and the parameter stays bf16.
  auto p_plain = init.to(torch::kBFloat16).set_requires_grad(true);
  auto plain = make_optimizer(OptimizerConfig{}, {{"w", p_plain}});
  p_plain.mutable_grad() = torch::ones({32, 16}, torch::kBFloat16);
  plain->step(1e-2);
  EXPECT_EQ(p_plain.scalar_type(), torch::kBFloat16);
  EXPECT_EQ(plain->state_dict().at("w.exp_avg").scalar_type(), torch::kFloat);
  EXPECT_GT(max_abs_diff(p_plain, init), 5e-3);
}

TEST(AdamW, RejectsBadParametersAndHyperParameters) {
  Tiny t = Tiny::make();
  try {
    make_optimizer(OptimizerConfig{}, {{"a", t.w}, {"b", t.w}});
    FAIL() << "tied tensor accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'b' is the same tensor as 'a'"), std::string::npos) << e.what();
  }
  OptimizerConfig config;
  config.beta2 = 1.0;
  try {
    make_optimizer(config, t.named());
    FAIL() << "beta2 = 1 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("beta2 must lie in [0, 1)"), std::string::npos) << e.what();
  }
}

TEST(Optimizer, UnknownNameListsValidOnes) {
  OptimizerConfig config;
  config.name = "sgd";
  try {
    make_optimizer(config, {});
    FAIL() << "sgd accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "unknown optimizer 'sgd'; valid names: adamw, adamw_torch, adamw_torch_fused, "
                 "adamw_8bit, paged_adamw_8bit");
  }
}

TEST(Optimizer, AliasesBuild) {
  for (const char* name : {"adamw", "adamw_torch", "adamw_torch_fused", "adamw_8bit"}) {
    OptimizerConfig config;
    config.name = name;
    EXPECT_NE(make_optimizer(config, Tiny::make().named()), nullptr) << name;
  }
}

TEST(Optimizer, PagedAdamW8bitLogsOnce) {
  OptimizerConfig config;
  config.name = "paged_adamw_8bit";
  ::testing::internal::CaptureStderr();
  auto a = make_optimizer(config, Tiny::make().named());
  auto b = make_optimizer(config, Tiny::make().named());
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "paged_adamw_8bit: paging is not implemented; using adamw_8bit\n");
}

}  // namespace
}  // namespace ragforge::train
