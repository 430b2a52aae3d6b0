// The step-confidence head and loss (recipes.md §4.2) against the original
// code's numbers (golden/recipes/step_confidence): its init, the final-norm
// hidden states at the markers of a tiny Qwen3, predictions, the loss over
// valid steps only (the truncated step out, Decision 6), and the gradients of
// the head and the backbone.
#include <gtest/gtest.h>

#include "io/safetensors.h"
#include "model/causal_lm.h"
#include "recipes/step_confidence/confidence_head.h"
#include "torch_test_util.h"

namespace ragforge::recipes::step_confidence {
namespace {

using ragforge::testing::golden_dir;

std::string dir() { return golden_dir("recipes/step_confidence"); }

ConfidenceHeadOptions golden_head_options() {
  ConfidenceHeadOptions o;
  o.input_dim = 64;
  o.hidden_dims = {32, 16};
  o.dropout = 0.1;
  return o;
}

void load_head(ConfidenceHeadImpl& head, const io::SafetensorsFile& g, const std::string& prefix) {
  torch::NoGradGuard no_grad;
  for (auto& p : head.named_parameters()) p.value().copy_(g.tensor(prefix + p.key(), torch::kFloat32));
}

TEST(ConfidenceHead, ParameterCountFollowsTheFormula) {
  EXPECT_EQ(confidence_head_parameter_count(2560, {1024, 256}), 2885121);
  ConfidenceHeadOptions o;
  o.input_dim = 2560;
  ConfidenceHead head(o);
  int64_t n = 0;
  for (const auto& p : head->parameters()) n += p.numel();
  EXPECT_EQ(n, 2885121);
  EXPECT_EQ(confidence_head_parameter_count(64, {32, 16}), 64 * 32 + 32 + 32 * 16 + 16 + 16 + 1);
}

TEST(ConfidenceHead, InitIsXavierGainOneHundredthWithZeroBiasesAsTheOriginal) {
  // The same draws as the original after torch.manual_seed(seed + 3): each
  // Linear's default init, then Xavier-uniform over the weights.
  torch::manual_seed(4245);
  ConfidenceHead head(golden_head_options());
  io::SafetensorsFile g(dir() + "/golden.safetensors");
  for (const auto& p : head->named_parameters()) {
    const auto want = g.tensor("head_init." + p.key(), torch::kFloat32);
    EXPECT_TRUE(ragforge::testing::close(p.value(), want, 0, 1e-7, p.key()));
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f);
    }
  }
  // Bound 0.01·sqrt(6/(fan_in+fan_out)) on the first layer.
  const auto w = head->mlp->ptr<torch::nn::LinearImpl>(0)->weight;
  EXPECT_LE(w.abs().max().item<double>(), 0.01 * std::sqrt(6.0 / 96) + 1e-9);
  // At init every prediction is sigmoid(≈0) ≈ 0.5.
  head->eval();
  const auto y = head->forward(torch::randn({3, 5, 64}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3, 5}));
  EXPECT_NEAR(y.min().item<double>(), 0.5, 1e-3);
  EXPECT_NEAR(y.max().item<double>(), 0.5, 1e-3);
}

TEST(ConfidenceHead, MarkerStatesPredictionsLossAndGradsMatchTheOriginal) {
  io::SafetensorsFile g(dir() + "/golden.safetensors");
  auto lm = model::CausalLM(model::CausalLMImpl::from_pretrained(dir() + "/model", torch::kFloat32));
  for (auto& p : lm->parameters()) p.set_requires_grad(true);
  const auto ids = g.tensor("input_ids", torch::kInt64);
  const auto positions = g.tensor("confidence_positions", torch::kInt64);
  const auto labels = g.tensor("labels", torch::kFloat32);
  // The first row lost its last kept marker to truncation: position -1, label >= 0.
  const auto cut = positions.lt(0).logical_and(labels.ge(0));
  ASSERT_EQ(cut.sum().item<int64_t>(), 1);

  model::ForwardOptions fo;
  fo.attention_mask = g.tensor("attention_mask", torch::kInt64);
  fo.compute_logits = false;
  auto out = lm->forward(ids, fo);
  const auto states = gather_marker_states(out.last_hidden_state, positions);
  EXPECT_TRUE(ragforge::testing::close(states, g.tensor("confidence_embeddings"), 1e-4, 1e-5, "marker states"));

  ConfidenceHead head(golden_head_options());
  load_head(*head, g, "head_spread.");
  head->eval();  // the reference is in eval mode: dropout off
  const auto preds = head->forward(states);
  EXPECT_TRUE(ragforge::testing::close(preds, g.tensor("spread.predictions"), 1e-5, 1e-6, "predictions"));

  auto [loss, n] = masked_mse(preds, labels, positions);
  EXPECT_EQ(n, g.tensor("labels_valid_only").ge(0).sum().item<int64_t>());
  EXPECT_NEAR(loss.item<double>(), 0.2408168762922287, 1e-6);  // meta.json spread.loss
  // The original's loss counts the truncated step on a zero vector: 0.2198.
  EXPECT_GT(std::fabs(loss.item<double>() - 0.21982645988464355), 0.01);
  loss.backward();
  for (const auto& p : head->named_parameters())
    EXPECT_TRUE(ragforge::testing::close(p.value().grad(), g.tensor("spread.grad.mlp_head." + p.key()), 1e-4, 1e-7,
                                         p.key()));
  int checked = 0;
  for (auto& [name, p] : lm->hf_state_dict()) {
    const std::string key = "spread.grad.backbone." + name;
    if (!g.contains(key)) continue;
    EXPECT_TRUE(ragforge::testing::close(p.grad(), g.tensor(key), 1e-3, 1e-7, name));
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

TEST(ConfidenceHead, LossIsZeroWithNoValidStepAndIgnoresPaddedSlots) {
  const auto preds = torch::tensor({{0.2f, 0.9f}}).requires_grad_(true);
  auto [zero, none] = masked_mse(preds, torch::tensor({{-1.0f, -1.0f}}), torch::tensor({{-1L, -1L}}).view({1, 2}));
  EXPECT_EQ(none, 0);
  EXPECT_EQ(zero.item<double>(), 0.0);
  zero.backward();  // a graph without NaN
  EXPECT_EQ(preds.grad().abs().sum().item<double>(), 0.0);
  // Only the valid slot counts: (0.2 - 0)².
  auto [one, n] = masked_mse(torch::tensor({{0.2f, 0.9f}}), torch::tensor({{0.0f, -1.0f}}),
                             torch::tensor({{4L, -1L}}).view({1, 2}));
  EXPECT_EQ(n, 1);
  EXPECT_NEAR(one.item<double>(), 0.04, 1e-7);
}

}  // namespace
}  // namespace ragforge::recipes::step_confidence
