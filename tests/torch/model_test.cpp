// Model behaviours beyond the goldens: checkpointing, chunked loss, attention
// specs, save/load round trips, errors, resizing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/text_file.h"
#include "io/safetensors.h"
#include "lora/peft.h"
#include "model/causal_lm.h"
#include "model/loss.h"
#include "torch_test_util.h"

namespace ragforge::model {
namespace {
namespace fs = std::filesystem;
using ragforge::testing::close;
using ragforge::testing::golden_dir;
using ragforge::testing::max_abs_diff;
using ragforge::testing::TempDir;

struct Batch {
  torch::Tensor ids, mask, pos, labels;
};

Batch golden_batch(const std::string& name) {
  io::SafetensorsFile g(golden_dir(name) + "/golden.safetensors");
  return {g.tensor("input_ids"), g.tensor("attention_mask"), g.tensor("position_ids"), g.tensor("labels")};
}

std::map<std::string, torch::Tensor> grads_of(const torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters())
    if (p.value().grad().defined()) out[p.key()] = p.value().grad().clone();
  return out;
}

void zero_grads(torch::nn::Module& m) {
  for (auto& p : m.parameters())
    if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
}

TEST(Checkpointing, GivesTheSameGradientsFullAndLora) {
  auto lm = CausalLMImpl::from_pretrained(golden_dir("mistral"));
  auto b = golden_batch("mistral");
  lm->train();
  auto run = [&](bool ckpt) {
    zero_grads(*lm);
    ForwardOptions o;
    o.attention_mask = b.mask;
    o.position_ids = b.pos;
    o.gradient_checkpointing = ckpt;
    causal_lm_loss(lm->forward(b.ids, o).logits, b.labels).backward();
    return grads_of(*lm);
  };
  auto plain = run(false), ckpt = run(true);
  ASSERT_EQ(plain.size(), ckpt.size());
  for (const auto& [n, gr] : plain) EXPECT_TRUE(close(ckpt.at(n), gr, 1e-6, 1e-8, n));

  // LoRA with dropout: frozen embeddings mean no layer input needs a gradient.
  lora::LoraConfig cfg;
  cfg.r = 4;
  cfg.lora_alpha = 8;
  cfg.lora_dropout = 0.1;
  cfg.all_linear = true;
  lora::add_adapter(*lm, "a", cfg);
  for (auto& [k, t] : lora::adapter_state_dict(*lm, "a")) {
    torch::NoGradGuard ng;
    t.normal_(0, 0.1);
  }
  lora::set_active_adapter(*lm, "a");
  lora::mark_only_adapter_trainable(*lm, "a");
  auto run_seeded = [&](bool ckpt) {
    torch::manual_seed(7);
    return run(ckpt);
  };
  auto lp = run_seeded(false), lc = run_seeded(true);
  EXPECT_EQ(lp.size(), 2u * 7 * 2);
  ASSERT_EQ(lp.size(), lc.size());
  for (const auto& [n, gr] : lp) EXPECT_TRUE(close(lc.at(n), gr, 1e-6, 1e-8, n));
}

TEST(ChunkedCrossEntropy, EqualsPlainLossAndGradients) {
  torch::manual_seed(0);
  auto h = torch::randn({3, 9, 16}, torch::requires_grad());
  auto w = torch::randn({50, 16}, torch::requires_grad());
  auto labels = torch::randint(0, 50, {3, 9});
  labels.index_put_({0, torch::indexing::Slice(0, 3)}, kIgnoreIndex);
  auto plain = causal_lm_loss(torch::matmul(h, w.t()), labels);
  auto gh = torch::autograd::grad({plain}, {h, w});
  for (int64_t chunk : {1, 4, 100}) {
    auto chunked = chunked_causal_lm_loss(h, w, labels, chunk);
    EXPECT_NEAR(chunked.item<double>(), plain.item<double>(), 1e-6) << chunk;
    auto g = torch::autograd::grad({chunked * 3}, {h, w});
    EXPECT_TRUE(close(g[0], gh[0] * 3, 1e-5, 1e-7, "grad hidden"));
    EXPECT_TRUE(close(g[1], gh[1] * 3, 1e-5, 1e-7, "grad weight"));
  }
  auto none = torch::full({3, 9}, kIgnoreIndex, torch::kInt64);
  EXPECT_EQ(causal_lm_loss(torch::matmul(h, w.t()), none).item<double>(), 0.0);
  EXPECT_EQ(chunked_causal_lm_loss(h, w, none).item<double>(), 0.0);
}

TEST(AttentionSpec, FastChunkedPathMatchesEagerForWindowsPaddingAndBlocks) {
  torch::manual_seed(1);
  const int64_t B = 2, H = 4, KV = 2, T = 23, D = 8;
  auto q = torch::randn({B, H, T, D}), k = torch::randn({B, KV, T, D}), v = torch::randn({B, KV, T, D});
  auto mask = torch::ones({B, T}, torch::kInt64);
  mask.index_put_({0, torch::indexing::Slice(0, 4)}, 0);  // left padding
  mask.index_put_({1, torch::indexing::Slice(19, T)}, 0);  // right padding
  std::vector<AttentionSpec> specs = {AttentionSpec::causal_lm(), AttentionSpec::causal_lm(mask),
                                      AttentionSpec::causal_lm(mask, 5)};
  auto block_ids = torch::tensor({0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4}).repeat({B, 1});
  specs.push_back(AttentionSpec::blockrank(block_ids, mask.to(torch::kBool), 5));
  for (auto& spec : specs) {
    auto ref = attention_eager(q, k, v, spec, 0.3);
    for (int64_t chunk : {1, 4, 1024}) {
      spec.query_chunk = chunk;
      auto fast = attention_fast(q, k, v, spec, 0.3);
      // Pad rows too: both paths give fully masked rows HF's uniform weights.
      EXPECT_LE(max_abs_diff(fast, ref), 1e-5) << "chunk " << chunk << " spec " << (&spec - specs.data());
      EXPECT_TRUE(torch::isfinite(fast).all().item<bool>()) << "chunk " << chunk << " spec " << (&spec - specs.data());
    }
  }
  EXPECT_DOUBLE_EQ(AttentionSpec::causal_lm().mean_visible_keys(4), 2.5);  // (1 + 2 + 3 + 4) / 4
  // BlockRank visibility, checked against a dense mask built by hand.
  auto m = specs.back().mask(0, T, 0, T, torch::kCPU).squeeze(1)[1];  // row 1: pads 19..22
  auto bid = block_ids[1];
  for (int64_t i = 0; i < 19; ++i)
    for (int64_t j = 0; j < T; ++j) {
      int64_t bi = bid[i].item<int64_t>(), bj = bid[j].item<int64_t>();
      bool vis = j <= i && j < 19 && (bi == bj || bj == 0 || bi == 4);
      EXPECT_EQ(m[i][j].item<bool>(), vis) << i << "," << j;
    }
}

TEST(SaveLoad, FullModelRoundTripIsExactSingleAndSharded) {
  for (const char* name : {"qwen2", "phi3"}) {
    auto lm = CausalLMImpl::from_pretrained(golden_dir(name));
    for (uint64_t shard : {5000000000ULL, 60000ULL}) {
      TempDir dir;
      lm->save_pretrained(dir.path(), shard);
      EXPECT_EQ(fs::exists(dir.path() + "/model.safetensors.index.json"), shard < 1000000) << name;
      EXPECT_TRUE(fs::exists(dir.path() + "/generation_config.json"));
      auto back = CausalLMImpl::from_pretrained(dir.path());
      auto a = lm->hf_state_dict(), b = back->hf_state_dict();
      ASSERT_EQ(a.size(), b.size());
      for (const auto& [n, t] : a) EXPECT_TRUE(torch::equal(t, b.at(n))) << n;
      auto cfg_a = lm->config().to_json(), cfg_b = back->config().to_json();
      EXPECT_EQ(cfg_a, cfg_b);
    }
  }
}

TEST(SaveLoad, MissingExtraAndMisshapedTensorsAreNamed) {
  TempDir dir;
  auto src = golden_dir("llama");
  fs::copy_file(src + "/config.json", dir.path() + "/config.json");
  io::SafetensorsFile f(src + "/model.safetensors");
  std::map<std::string, torch::Tensor> t;
  for (const auto& n : f.names()) t[n] = f.tensor(n);
  auto expect_msg = [&](const std::string& frag) {
    io::save_file(dir.path() + "/model.safetensors", t);
    try {
      CausalLMImpl::from_pretrained(dir.path());
      ADD_FAILURE() << "no error for " << frag;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(frag), std::string::npos) << e.what();
    }
  };
  auto saved = t["model.layers.1.mlp.up_proj.weight"];
  t.erase("model.layers.1.mlp.up_proj.weight");
  expect_msg("lacks tensor 'model.layers.1.mlp.up_proj.weight'");
  t["model.layers.1.mlp.up_proj.weight"] = saved.narrow(0, 0, 5);
  expect_msg("'model.layers.1.mlp.up_proj.weight'");
  t["model.layers.1.mlp.up_proj.weight"] = saved;
  t["model.layers.2.mlp.up_proj.weight"] = saved;
  expect_msg("'model.layers.2.mlp.up_proj.weight'");
}

TEST(Config, UnknownModelTypeAndUnsupportedValuesAreClearErrors) {
  auto j = nlohmann::json::parse(read_text_file(golden_dir("llama") + "/config.json"));
  j["model_type"] = "gpt2";
  EXPECT_THROW(
      {
        try {
          ModelConfig::from_json(j, "x/config.json");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("model_type 'gpt2'"), std::string::npos);
          throw;
        }
      },
      Error);
  j["model_type"] = "llama";
  j["hidden_act"] = "gelu";
  EXPECT_THROW(ModelConfig::from_json(j), Error);
  j["hidden_act"] = "silu";
  j["rope_scaling"] = {{"rope_type", "weird"}};
  EXPECT_THROW(ModelConfig::from_json(j), Error);
  auto q = nlohmann::json::parse(read_text_file(golden_dir("qwen2") + "/config.json"));
  q["use_sliding_window"] = true;
  EXPECT_THROW(ModelConfig::from_json(q), Error);
}

TEST(Rope, DynamicAndYarnFollowHfFormulas) {
  auto j = nlohmann::json::parse(read_text_file(golden_dir("llama") + "/config.json"));
  j["rope_scaling"] = {{"rope_type", "dynamic"}, {"factor", 2.0}};
  RotaryEmbedding dyn(ModelConfig::from_json(j));
  auto base = dyn.inv_freq(10);
  EXPECT_TRUE(torch::equal(dyn.inv_freq(128), base));  // within max_position_embeddings: unchanged
  double new_base = 10000.0 * std::pow(2.0 * 256 / 128 - 1, 16.0 / 14.0);
  auto expect = 1.0 / torch::pow(new_base, torch::arange(0, 16, 2).to(torch::kFloat32) / 16.0);
  EXPECT_LE(max_abs_diff(dyn.inv_freq(256), expect), 1e-7);

  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 32}};
  RotaryEmbedding yarn(ModelConfig::from_json(j));
  EXPECT_NEAR(yarn.attention_scaling(), 0.1 * std::log(4.0) + 1.0, 1e-12);  // factor = 128/32 = 4
  auto f = yarn.inv_freq(0);
  auto pf = torch::pow(10000.0, torch::arange(0, 16, 2).to(torch::kFloat32) / 16.0);
  // Highest frequency extrapolated (kept), lowest interpolated (divided by 4).
  EXPECT_NEAR(f[0].item<double>(), (1.0 / pf[0]).item<double>(), 1e-7);
  EXPECT_NEAR(f[7].item<double>(), (1.0 / (4.0 * pf[7])).item<double>(), 1e-9);
}

TEST(Vocabulary, ResizeUsesMeanRowsAndRowMaskLimitsTraining) {
  auto lm = CausalLMImpl::from_pretrained(golden_dir("qwen2"));  // tied
  auto old = lm->model->embed_tokens->weight.detach().clone();
  lm->resize_token_embeddings(260);
  auto w = lm->model->embed_tokens->weight;
  ASSERT_EQ(w.size(0), 260);
  EXPECT_TRUE(torch::equal(w.narrow(0, 0, 256), old));
  EXPECT_LE(max_abs_diff(w[258], old.mean(0)), 1e-6);
  for (auto& p : lm->parameters()) p.set_requires_grad(false);
  lm->train_only_token_rows({257, 259});
  auto b = golden_batch("qwen2");
  auto ids = b.ids.clone();
  ids.index_put_({0, 5}, 257);
  ForwardOptions o;
  o.attention_mask = b.mask;
  causal_lm_loss(lm->forward(ids, o).logits, b.labels).backward();
  auto g = w.grad();
  ASSERT_TRUE(g.defined());
  auto row_norms = g.abs().sum(1);
  EXPECT_GT(row_norms[257].item<double>(), 0);  // input and (tied) output use
  EXPECT_GT(row_norms[259].item<double>(), 0);  // output softmax only
  EXPECT_EQ(row_norms.index_fill(0, torch::tensor({257, 259}), 0).sum().item<double>(), 0.0);
  EXPECT_EQ(lm->config().vocab_size, 260);
}

TEST(Forward, EarlyExitAndChosenHiddenStates) {
  auto lm = CausalLMImpl::from_pretrained(golden_dir("llama"));
  auto b = golden_batch("llama");
  torch::NoGradGuard ng;
  ForwardOptions o;
  o.attention_mask = b.mask;
  o.position_ids = b.pos;
  o.hidden_state_layers = {1};
  auto full = lm->forward(b.ids, o);
  EXPECT_EQ(full.hidden_states.size(), 1u);
  o.exit_after_layer = 1;
  auto early = lm->forward(b.ids, o);
  EXPECT_FALSE(early.logits.defined());
  EXPECT_TRUE(torch::equal(early.last_hidden_state, full.hidden_states.at(1)));
}

}  // namespace
}  // namespace ragforge::model

namespace ragforge::model {
namespace {

TEST(Vocabulary, PadTokenRowGetsNoGradientLikeHfPaddingIdx) {
  auto j = nlohmann::json::parse(read_text_file(ragforge::testing::golden_dir("phi3") + "/config.json"));
  j["pad_token_id"] = 7;
  auto lm = std::make_shared<CausalLMImpl>(ModelConfig::from_json(j));
  lm->load_weights(ragforge::testing::golden_dir("phi3"));
  auto ids = torch::tensor({{5, 7, 9, 7, 11}});
  causal_lm_loss(lm->forward(ids).logits, ids).backward();
  auto g = lm->model->embed_tokens->weight.grad();
  EXPECT_EQ(g[7].abs().sum().item<double>(), 0.0);
  EXPECT_GT(g[9].abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace ragforge::model
