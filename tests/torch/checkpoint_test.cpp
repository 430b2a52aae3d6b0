// Activation checkpointing's recompute: what the replay may take from the
// first run (model/checkpoint.h), the graph-only projection it ends with,
// and gradients equal to an un-checkpointed step where attention runs
// blocked (several query blocks, grouped K/V heads, padding).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lora/graph_only_linear.h"
#include "lora/peft.h"
#include "model/causal_lm.h"
#include "model/checkpoint.h"
#include "model/loss.h"
#include "torch_test_util.h"

namespace ragforge::model {
namespace {
using ragforge::testing::close;

TEST(Checkpointing, TheReplayTakesWhatTheFirstRunKeptInOrder) {
  EXPECT_EQ(checkpoint_phase(), CheckpointPhase::kNone);
  checkpoint_keep({torch::ones({1})});  // outside a block: ignored
  EXPECT_TRUE(checkpoint_take().empty());

  std::vector<CheckpointPhase> phases;
  std::vector<double> taken;
  auto w = torch::full({3}, 2.0, torch::requires_grad());
  auto block = [&](const torch::Tensor& x) {
    phases.push_back(checkpoint_phase());
    if (checkpoint_phase() == CheckpointPhase::kRecording) {
      checkpoint_keep({torch::full({1}, 10.0)});
      checkpoint_keep({torch::full({1}, 20.0)});
    } else {
      for (int i = 0; i < 3; ++i) {
        auto t = checkpoint_take();
        taken.push_back(t.empty() ? -1.0 : t[0].item<double>());
      }
    }
    return x * w;
  };
  auto x = torch::arange(3.0).requires_grad_();
  auto y = checkpoint(block, x, {w});
  EXPECT_EQ(checkpoint_phase(), CheckpointPhase::kNone);
  y.sum().backward();
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_EQ(phases[0], CheckpointPhase::kRecording);
  EXPECT_EQ(phases[1], CheckpointPhase::kReplaying);
  EXPECT_EQ(taken, (std::vector<double>{10.0, 20.0, -1.0}));  // in order, then nothing
  EXPECT_TRUE(close(w.grad(), torch::arange(3.0), 0, 0, "w"));
  EXPECT_TRUE(close(x.grad(), torch::full({3}, 2.0), 0, 0, "x"));
  EXPECT_EQ(checkpoint_phase(), CheckpointPhase::kNone);
}

TEST(Checkpointing, GraphOnlyLinearHasLinearsGradientsAndNoValues) {
  torch::manual_seed(3);
  auto x = torch::randn({2, 5, 7}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto w = torch::randn({4, 7}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto b = torch::randn({4}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto up = torch::randn({2, 5, 4}, torch::kFloat64);
  auto ref = torch::autograd::grad({torch::nn::functional::linear(x, w, b)}, {x, w, b}, {up});
  auto y = lora::graph_only_linear(x, w, b);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 5, 4}));
  EXPECT_EQ(y.abs().sum().item<double>(), 0.0);
  auto got = torch::autograd::grad({y}, {x, w, b}, {up});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(close(got[i], ref[i], 1e-12, 1e-12, "grad " + std::to_string(i)));
  // A frozen weight and no bias: only the input's gradient.
  auto frozen = w.detach();
  auto gx = torch::autograd::grad({lora::graph_only_linear(x, frozen, torch::Tensor())}, {x}, {up});
  EXPECT_TRUE(close(gx[0], ref[0], 1e-12, 1e-12, "grad x, frozen weight"));
}

std::shared_ptr<CausalLMImpl> blocked_attention_model() {
  // Grouped K/V heads, T above flash attention's 128-row query block.
  nlohmann::json j = {{"model_type", "llama"}, {"hidden_size", 64}, {"intermediate_size", 96},
                      {"num_hidden_layers", 3}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                      {"vocab_size", 101}, {"max_position_embeddings", 512}, {"rms_norm_eps", 1e-6},
                      {"rope_theta", 10000.0}, {"tie_word_embeddings", false}};
  torch::manual_seed(11);
  auto lm = std::make_shared<CausalLMImpl>(ModelConfig::from_json(j, "checkpoint_test"));
  lm->train();
  return lm;
}

// Adapter `name` on every linear layer, with random A and B (B = 0 would give no gradient to A).
void add_random_adapter(CausalLMImpl& lm, const std::string& name) {
  lora::LoraConfig cfg;
  cfg.r = 4;
  cfg.lora_alpha = 8;
  cfg.all_linear = true;
  lora::add_adapter(lm, name, cfg);
  for (auto& [k, t] : lora::adapter_state_dict(lm, name)) {
    torch::NoGradGuard ng;
    t.normal_(0, 0.1);
  }
}

TEST(Checkpointing, BlockedAttentionGradientsMatchAStepWithoutIt) {
  auto lm = blocked_attention_model();
  const int64_t B = 2, T = 300;
  torch::manual_seed(5);
  auto ids = torch::randint(101, {B, T});
  auto mask = torch::ones({B, T}, torch::kInt64);
  mask.index_put_({1, torch::indexing::Slice(0, 17)}, 0);  // left padding in row 1
  auto labels = ids.clone();
  labels.masked_fill_(mask == 0, kIgnoreIndex);
  auto run = [&](bool ckpt) {
    for (auto& p : lm->parameters()) p.mutable_grad() = torch::Tensor();
    ForwardOptions o;
    o.attention_mask = mask;
    o.gradient_checkpointing = ckpt;
    auto loss = causal_lm_loss(lm->forward(ids, o).logits, labels);
    loss.backward();
    std::map<std::string, torch::Tensor> g;
    for (const auto& p : lm->named_parameters()) g[p.key()] = p.value().grad().clone();
    return std::make_pair(loss.item<double>(), g);
  };
  auto [plain_loss, plain] = run(false);
  auto [ckpt_loss, ckpt] = run(true);
  EXPECT_EQ(plain_loss, ckpt_loss);  // the forward is the same computation
  ASSERT_EQ(plain.size(), ckpt.size());
  for (const auto& [n, g] : plain) EXPECT_TRUE(close(ckpt.at(n), g, 1e-5, 1e-7, n));

  // LoRA on every linear layer (frozen base: the skipped projection's input
  // gradient still flows) gives the same adapter gradients.
  add_random_adapter(*lm, "a");
  lora::set_active_adapter(*lm, "a");
  lora::mark_only_adapter_trainable(*lm, "a");
  auto lora_grads = [&](bool ckpt) {
    for (auto& p : lm->parameters()) p.mutable_grad() = torch::Tensor();
    ForwardOptions o;
    o.attention_mask = mask;
    o.gradient_checkpointing = ckpt;
    causal_lm_loss(lm->forward(ids, o).logits, labels).backward();
    std::map<std::string, torch::Tensor> g;
    for (const auto& p : lm->named_parameters())
      if (p.value().grad().defined()) g[p.key()] = p.value().grad().clone();
    return g;
  };
  auto lp = lora_grads(false), lc = lora_grads(true);
  EXPECT_EQ(lp.size(), 3u * 7 * 2);
  ASSERT_EQ(lp.size(), lc.size());
  for (const auto& [n, g] : lp) EXPECT_TRUE(close(lc.at(n), g, 1e-5, 1e-7, n));
}


TEST(Checkpointing, TheRecomputeRunsUnderTheForwardsAdapter) {
  // Adapter a's forward, then adapter b's, then one backward (CLaRa's encoder
  // and decoder): each checkpointed layer must replay under its own adapter.
  auto lm = blocked_attention_model();
  for (const char* name : {"a", "b"}) add_random_adapter(*lm, name);
  for (auto& p : lm->parameters()) p.set_requires_grad(false);
  for (const char* name : {"a", "b"})
    for (auto& [k, t] : lora::adapter_state_dict(*lm, name)) t.set_requires_grad(true);
  torch::manual_seed(2);
  auto ids = torch::randint(101, {1, 140});
  auto run = [&](bool ckpt) {
    for (auto& p : lm->parameters()) p.mutable_grad() = torch::Tensor();
    ForwardOptions o;
    o.gradient_checkpointing = ckpt;
    lora::set_active_adapter(*lm, "a");
    auto first = lm->forward(ids, o).logits;
    lora::set_active_adapter(*lm, "b");
    auto second = lm->forward(ids, o).logits;
    (first.square().mean() + second.abs().mean()).backward();
    std::map<std::string, torch::Tensor> g;
    for (const auto& p : lm->named_parameters())
      if (p.value().grad().defined()) g[p.key()] = p.value().grad().clone();
    return g;
  };
  auto plain = run(false), ckpt = run(true);
  EXPECT_EQ(plain.size(), 2u * 3 * 7 * 2);
  ASSERT_EQ(plain.size(), ckpt.size());
  for (const auto& [n, g] : plain) EXPECT_TRUE(close(ckpt.at(n), g, 1e-5, 1e-7, n));
  for (const auto& [path, layer] : lm->linear_layers())
    if (layer->has_adapter("b")) {
      EXPECT_EQ(layer->active_adapter(), "b") << path;  // as the caller left it
    }
}

}  // namespace
}  // namespace ragforge::model
