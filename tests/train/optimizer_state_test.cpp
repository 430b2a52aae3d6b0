// Exact resume: N steps, state through a safetensors file, M more steps must
// equal N+M uninterrupted steps bit for bit; load errors name the entry.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "core/error.h"
#include "io/safetensors.h"
#include "optim_test_util.h"
#include "train/optimizer.h"

namespace ragforge::train {
namespace {

struct ResumeCase {
  std::string name;
  torch::Dtype dtype;
  bool master;
};

void train(Optimizer& opt, const NamedParameters& params, const testing::Regression& problem,
           int from, int to) {
  for (int step = from; step < to; ++step) {
    opt.zero_grad();
    problem.loss(params[0].second, params[1].second).backward();
    opt.step(1e-2 * (1.0 - step / 40.0));
  }
}

OptimizerConfig config_for(const ResumeCase& s) {
  OptimizerConfig c;
  c.name = s.name;
  c.weight_decay = 0.05;
  c.fp32_master_weights = s.master;
  return c;
}

class ExactResume : public ::testing::TestWithParam<ResumeCase> {};

TEST_P(ExactResume, SaveLoadContinueEqualsUninterrupted) {
  const ResumeCase s = GetParam();
  testing::Regression problem(64, 128, 64, /*seed=*/31);
  const auto init = testing::linear_parameters(128, 64, /*seed=*/32, s.dtype);

  auto straight = testing::clone_parameters(init);
  auto straight_opt = make_optimizer(config_for(s), straight);
  train(*straight_opt, straight, problem, 0, 20);

  const std::string dir = testing::make_temp_dir("ragforge-optim");
  {
    auto first = testing::clone_parameters(init);
    auto opt = make_optimizer(config_for(s), first);
    train(*opt, first, problem, 0, 10);
    std::map<std::string, torch::Tensor> weights(first.begin(), first.end());
    io::save_file(dir + "/weights.safetensors", weights);
    io::save_file(dir + "/optimizer.safetensors", opt->state_dict());
  }
  io::SafetensorsFile weights(dir + "/weights.safetensors");
  io::SafetensorsFile saved(dir + "/optimizer.safetensors");
  NamedParameters resumed;
  for (const auto& [name, p] : init) {
    resumed.emplace_back(name, weights.tensor(name).set_requires_grad(true));
  }
  auto opt = make_optimizer(config_for(s), resumed);
  std::map<std::string, torch::Tensor> state;
  for (const auto& name : saved.names()) state[name] = saved.tensor(name);
  opt->load_state_dict(state);
  train(*opt, resumed, problem, 10, 20);

  for (size_t i = 0; i < init.size(); ++i) {
    EXPECT_TRUE(torch::equal(resumed[i].second, straight[i].second)) << init[i].first;
  }
  const auto a = opt->state_dict(), b = straight_opt->state_dict();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : b) EXPECT_TRUE(torch::equal(a.at(name), t)) << name;
  EXPECT_EQ(a.at("model.layers.0.mlp.down_proj.weight.step").item<int64_t>(), 20);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, ExactResume,
                         ::testing::Values(ResumeCase{"adamw", torch::kFloat, false},
                                           ResumeCase{"adamw_8bit", torch::kFloat, false},
                                           ResumeCase{"adamw", torch::kBFloat16, true},
                                           ResumeCase{"adamw_8bit", torch::kBFloat16, true}),
                         [](const auto& info) {
                           return info.param.name +
                                  (info.param.dtype == torch::kBFloat16 ? "_bf16_master" : "");
                         });

std::string load_error(const std::string& optimizer,
                       const std::function<void(std::map<std::string, torch::Tensor>&)>& edit) {
  OptimizerConfig c;
  c.name = optimizer;
  auto opt = make_optimizer(c, testing::linear_parameters(128, 64, 1));
  auto state = opt->state_dict();
  std::map<std::string, torch::Tensor> copy;
  for (const auto& [k, v] : state) copy[k] = v.clone();
  edit(copy);
  try {
    opt->load_state_dict(copy);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(OptimizerState, LoadErrorsNameTheEntry) {
  const std::string w = "model.layers.0.mlp.down_proj.weight";
  auto missing = load_error("adamw_8bit", [&](auto& s) { s.erase(w + ".exp_avg.absmax"); });
  EXPECT_NE(missing.find("missing entry '" + w + ".exp_avg.absmax'"), std::string::npos) << missing;

  auto shaped = load_error("adamw", [&](auto& s) { s[w + ".exp_avg_sq"] = torch::zeros({64}); });
  EXPECT_NE(shaped.find("entry '" + w + ".exp_avg_sq' is float [64], expected float [64, 128]"),
            std::string::npos)
      << shaped;

  auto extra = load_error("adamw", [&](auto& s) { s["lm_head.weight.exp_avg"] = torch::zeros({1}); });
  EXPECT_NE(extra.find("unexpected entry 'lm_head.weight.exp_avg'"), std::string::npos) << extra;

  // An adamw checkpoint does not load into adamw_8bit (fp32 moments vs codes).
  OptimizerConfig c;
  auto fp32_state = make_optimizer(c, testing::linear_parameters(128, 64, 1))->state_dict();
  c.name = "adamw_8bit";
  auto q8 = make_optimizer(c, testing::linear_parameters(128, 64, 1));
  try {
    q8->load_state_dict(fp32_state);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing entry '" + w + ".exp_avg.codes'"), std::string::npos)
        << e.what();
  }
}

// A failed load leaves the optimizer untouched.
TEST(OptimizerState, FailedLoadChangesNothing) {
  OptimizerConfig c;
  auto params = testing::linear_parameters(128, 64, 1);
  auto opt = make_optimizer(c, params);
  auto state = opt->state_dict();
  std::map<std::string, torch::Tensor> bad;
  for (const auto& [k, v] : state) bad[k] = torch::ones_like(v);
  bad.erase("model.layers.0.mlp.down_proj.bias.exp_avg");
  EXPECT_THROW(opt->load_state_dict(bad), Error);
  for (const auto& [k, v] : opt->state_dict()) EXPECT_EQ(v.abs().sum().item<double>(), 0.0) << k;
}

}  // namespace
}  // namespace ragforge::train
