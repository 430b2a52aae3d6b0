// PEFT-compatible LoRA: merging, adapter folders, several adapters, targets.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/text_file.h"
#include "io/safetensors.h"
#include "lora/peft.h"
#include "model/causal_lm.h"
#include "model/loss.h"
#include "torch_test_util.h"

namespace ragforge::lora {
namespace {
namespace fs = std::filesystem;
using model::CausalLMImpl;
using model::ForwardOptions;
using ragforge::testing::golden_dir;
using ragforge::testing::max_abs_diff;
using ragforge::testing::TempDir;

struct Fixture {
  std::shared_ptr<CausalLMImpl> lm;
  torch::Tensor ids, mask, pos, valid;
  explicit Fixture(const std::string& name) {
    lm = CausalLMImpl::from_pretrained(golden_dir(name));
    io::SafetensorsFile g(golden_dir(name) + "/golden.safetensors");
    ids = g.tensor("input_ids");
    mask = g.tensor("attention_mask");
    pos = g.tensor("position_ids");
    valid = mask.to(torch::kBool).unsqueeze(-1);
  }
  torch::Tensor logits() {
    torch::NoGradGuard ng;
    ForwardOptions o;
    o.attention_mask = mask;
    o.position_ids = pos;
    return lm->forward(ids, o).logits;
  }
};

TEST(Lora, MergedEqualsUnmerged) {
  for (const char* name : {"llama", "phi3"}) {
    Fixture f(name);
    load_adapter(*f.lm, golden_dir(name) + "/lora");
    auto adapter = f.logits();
    merge_adapter(*f.lm, "default");
    EXPECT_TRUE(adapter_names(*f.lm).empty());
    EXPECT_LE(max_abs_diff(f.logits(), adapter, f.valid), 1e-5) << name;
  }
}

TEST(Lora, AdapterFolderRoundTripIsExactAndPeftShaped) {
  Fixture f("phi3");
  load_adapter(*f.lm, golden_dir("phi3") + "/lora");
  TempDir dir;
  save_adapter(*f.lm, dir.path());
  // Same names, shapes and values as PEFT's file.
  io::SafetensorsFile ref(golden_dir("phi3") + "/lora/adapter_model.safetensors");
  io::SafetensorsFile ours(dir.path() + "/adapter_model.safetensors");
  EXPECT_EQ(ours.names(), ref.names());
  for (const auto& n : ref.names()) EXPECT_TRUE(torch::equal(ours.tensor(n), ref.tensor(n))) << n;
  auto cfg = nlohmann::json::parse(read_text_file(dir.path() + "/adapter_config.json"));
  auto ref_cfg = nlohmann::json::parse(read_text_file(golden_dir("phi3") + "/lora/adapter_config.json"));
  for (auto it = ref_cfg.begin(); it != ref_cfg.end(); ++it) EXPECT_TRUE(cfg.contains(it.key())) << it.key();
  EXPECT_EQ(cfg["target_modules"], ref_cfg["target_modules"]);
  EXPECT_EQ(cfg["r"], 4);
  EXPECT_EQ(cfg["lora_alpha"], 8);
  // Loading it back gives the same logits.
  Fixture g("phi3");
  load_adapter(*g.lm, dir.path());
  EXPECT_TRUE(torch::equal(g.logits(), f.logits()));
}

TEST(Lora, SeveralAdaptersSwitchCopyAndDelete) {
  Fixture f("llama");
  auto base = f.logits();
  load_adapter(*f.lm, golden_dir("llama") + "/lora");
  auto with_default = f.logits();
  EXPECT_GT(max_abs_diff(with_default, base, f.valid), 1e-3);
  copy_adapter(*f.lm, "default", "copy");
  set_active_adapter(*f.lm, "copy");
  EXPECT_TRUE(torch::equal(f.logits(), with_default));
  LoraConfig fresh;
  fresh.r = 2;
  fresh.all_linear = true;
  auto paths = add_adapter(*f.lm, "fresh", fresh);
  EXPECT_EQ(paths.size(), 2u * 7);  // every projection but lm_head
  set_active_adapter(*f.lm, "fresh");
  EXPECT_LE(max_abs_diff(f.logits(), base), 0.0);  // B = 0 at init
  set_active_adapter(*f.lm, "");
  EXPECT_TRUE(torch::equal(f.logits(), base));
  EXPECT_EQ(adapter_names(*f.lm), (std::vector<std::string>{"copy", "default", "fresh"}));
  int64_t n = mark_only_adapter_trainable(*f.lm, "fresh");
  int64_t expect = 0;
  for (const auto& p : f.lm->named_parameters())
    if (p.key().find(".fresh.") != std::string::npos) expect += p.value().numel();
  EXPECT_EQ(n, expect);
  for (const auto& p : f.lm->named_parameters())
    EXPECT_EQ(p.value().requires_grad(), p.key().find(".fresh.") != std::string::npos) << p.key();
  TempDir dir;
  save_all_adapters(*f.lm, dir.path());
  EXPECT_TRUE(fs::exists(dir.path() + "/adapter_model.safetensors"));
  EXPECT_TRUE(fs::exists(dir.path() + "/copy/adapter_model.safetensors"));
  auto cfg = nlohmann::json::parse(read_text_file(dir.path() + "/fresh/adapter_config.json"));
  EXPECT_EQ(cfg["target_modules"],
            (nlohmann::json{"down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"}));
  delete_adapter(*f.lm, "copy");
  EXPECT_THROW(set_active_adapter(*f.lm, "copy"), Error);
  for (const auto& p : f.lm->named_parameters()) EXPECT_EQ(p.key().find(".copy."), std::string::npos) << p.key();
}

TEST(Lora, ScalingRsloraAndPatterns) {
  EXPECT_DOUBLE_EQ(LoRALinearOptions(8, 8, 16).alpha(16).rslora(true).scaling(), 4.0);
  EXPECT_DOUBLE_EQ(LoRALinearOptions(8, 8, 4).alpha(8).scaling(), 2.0);
  auto c = LoraConfig::from_json(nlohmann::json::parse(
      R"({"r": 4, "lora_alpha": 8, "target_modules": ".*\\.layers\\.1\\..*(q|v)_proj", "rank_pattern": {"v_proj": 2}})"));
  EXPECT_TRUE(c.targets("model.layers.1.self_attn.q_proj"));
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.q_proj"));
  EXPECT_EQ(c.rank_for("model.layers.1.self_attn.v_proj"), 2);
  EXPECT_EQ(c.rank_for("model.layers.1.self_attn.q_proj"), 4);
  EXPECT_THROW(LoraConfig::from_json(nlohmann::json::parse(R"({"r": 4, "target_modules": ["q_proj"], "use_dora": true})")), Error);
}

TEST(Lora, BrokenAdapterFoldersNameTheTensor) {
  Fixture f("llama");
  TempDir dir;
  fs::copy_file(golden_dir("llama") + "/lora/adapter_config.json", dir.path() + "/adapter_config.json");
  io::SafetensorsFile ref(golden_dir("llama") + "/lora/adapter_model.safetensors");
  std::map<std::string, torch::Tensor> t;
  for (const auto& n : ref.names()) t[n] = ref.tensor(n);
  const std::string victim = "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight";
  auto saved = t.at(victim);
  t.erase(victim);
  io::save_file(dir.path() + "/adapter_model.safetensors", t);
  try {
    load_adapter(*f.lm, dir.path());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(victim), std::string::npos) << e.what();
  }
  EXPECT_TRUE(adapter_names(*f.lm).empty());  // a failed load leaves nothing behind
  t[victim] = saved.narrow(1, 0, 2);
  io::save_file(dir.path() + "/adapter_model.safetensors", t);
  EXPECT_THROW(load_adapter(*f.lm, dir.path()), Error);
}

TEST(Lora, ModulesToSaveKeepsAPerAdapterCopyOfTheHead) {
  Fixture f("llama");
  auto base = f.logits();
  LoraConfig c;
  c.r = 2;
  c.target_modules = {"q_proj"};
  c.modules_to_save = {"lm_head"};
  add_adapter(*f.lm, "default", c);
  set_active_adapter(*f.lm, "default");
  EXPECT_TRUE(torch::equal(f.logits(), base));  // the copy starts equal, B = 0
  auto copy = f.lm->lm_head->full_copy("default");
  {
    torch::NoGradGuard ng;
    copy->weight.add_(0.01);
  }
  auto adapted = f.logits();
  EXPECT_GT(max_abs_diff(adapted, base), 1e-3);
  EXPECT_EQ(f.lm->hf_state_dict().size(), 2u * 9 + 3);  // the HF model is untouched
  EXPECT_GT(mark_only_adapter_trainable(*f.lm, "default"), copy->weight.numel());
  EXPECT_TRUE(copy->weight.requires_grad());
  TempDir dir;
  save_adapter(*f.lm, dir.path());
  io::SafetensorsFile saved(dir.path() + "/adapter_model.safetensors");
  EXPECT_TRUE(saved.contains("base_model.model.lm_head.weight"));
  auto cfg = nlohmann::json::parse(read_text_file(dir.path() + "/adapter_config.json"));
  EXPECT_EQ(cfg["modules_to_save"], nlohmann::json({"lm_head"}));
  Fixture g("llama");
  load_adapter(*g.lm, dir.path());
  EXPECT_TRUE(torch::equal(g.logits(), adapted));
  set_active_adapter(*g.lm, "");
  EXPECT_TRUE(torch::equal(g.logits(), base));
  merge_adapter(*g.lm, "default");
  EXPECT_LE(max_abs_diff(g.logits(), adapted, g.valid), 1e-5);
  c.modules_to_save = {"embed_tokens"};
  EXPECT_THROW(add_adapter(*f.lm, "other", c), Error);
  EXPECT_EQ(adapter_names(*f.lm), std::vector<std::string>{"default"});
}

TEST(Lora, TrainedTokenRowsRoundTripThroughTheSidecar) {
  Fixture f("qwen2");
  f.lm->resize_token_embeddings(258);
  {
    torch::NoGradGuard ng;
    f.lm->model->embed_tokens->weight[256].fill_(0.5);
    f.lm->model->embed_tokens->weight[257].fill_(-0.25);
  }
  TempDir dir;
  save_token_rows(*f.lm, dir.path(), {256, 257});
  Fixture g("qwen2");
  EXPECT_THROW(load_token_rows(*g.lm, dir.path()), Error);  // not resized yet
  g.lm->resize_token_embeddings(258);
  EXPECT_EQ(load_token_rows(*g.lm, dir.path()), (std::vector<int64_t>{256, 257}));
  EXPECT_TRUE(torch::equal(g.lm->model->embed_tokens->weight, f.lm->model->embed_tokens->weight));
  TempDir empty;
  EXPECT_TRUE(load_token_rows(*g.lm, empty.path()).empty());
}

}  // namespace
}  // namespace ragforge::lora
