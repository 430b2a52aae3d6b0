// Every golden case (tests/data/golden, computed by HF transformers / PEFT):
// logits, loss, hidden states and gradients, with both attention paths, with
// and without the case's LoRA adapter.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/safetensors.h"
#include "lora/peft.h"
#include "model/causal_lm.h"
#include "model/loss.h"
#include "torch_test_util.h"

namespace ragforge::model {
namespace {
using ragforge::testing::close;
using ragforge::testing::golden_dir;
using ragforge::testing::max_abs_diff;

struct Case {
  std::string name;
  AttentionBackend backend;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name << (c.backend == AttentionBackend::kEager ? "/eager" : "/fast");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name + (info.param.backend == AttentionBackend::kEager ? "_eager" : "_fast");
}

class Golden : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    dir = golden_dir(GetParam().name);
    lm = CausalLMImpl::from_pretrained(dir);
    g = std::make_unique<io::SafetensorsFile>(dir + "/golden.safetensors");
    ids = g->tensor("input_ids");
    mask = g->tensor("attention_mask");
    pos = g->tensor("position_ids");
    labels = g->tensor("labels");
    valid = mask.to(torch::kBool).unsqueeze(-1);  // [B, T, 1]
  }
  ForwardOptions options() const {
    ForwardOptions o;
    o.attention_mask = mask;
    o.position_ids = pos;
    o.backend = GetParam().backend;
    return o;
  }
  void check_grads(const io::SafetensorsFile& file, const std::map<std::string, torch::Tensor>& params) {
    int checked = 0;
    for (const auto& key : file.names()) {
      if (key.rfind("grad.", 0) != 0) continue;
      std::string name = key.substr(5);
      auto it = params.find(name);
      ASSERT_NE(it, params.end()) << "no parameter " << name;
      ASSERT_TRUE(it->second.grad().defined()) << name;
      EXPECT_TRUE(close(it->second.grad(), file.tensor(key), 1e-3, 1e-7, name));
      ++checked;
    }
    EXPECT_GT(checked, 0);
  }

  std::string dir;
  std::shared_ptr<CausalLMImpl> lm;
  std::unique_ptr<io::SafetensorsFile> g;
  torch::Tensor ids, mask, pos, labels, valid;
};

TEST_P(Golden, LogitsLossAndHiddenStates) {
  torch::NoGradGuard no_grad;
  auto o = options();
  o.all_hidden_states = true;
  auto out = lm->forward(ids, o);
  EXPECT_LE(max_abs_diff(out.logits, g->tensor("logits"), valid), 1e-4);
  auto loss = causal_lm_loss(out.logits, labels);
  EXPECT_NEAR(loss.item<double>(), g->tensor("loss").item<double>(), 1e-5);
  const int64_t L = lm->config().num_hidden_layers;
  for (int64_t i = 1; i <= L; ++i) {
    std::string key = "hidden_states." + std::to_string(i);
    ASSERT_TRUE(g->contains(key)) << key;
    EXPECT_LE(max_abs_diff(out.hidden_states.at(i), g->tensor(key), valid), 1e-4) << key;
  }
  // Chunked cross-entropy from the final hidden states gives the same loss.
  auto chunked = chunked_causal_lm_loss(out.last_hidden_state, lm->head_weight(), labels, 7);
  EXPECT_NEAR(chunked.item<double>(), loss.item<double>(), 1e-5);
}

TEST_P(Golden, DefaultPositionIdsOnLeftPaddedRow) {
  torch::NoGradGuard no_grad;
  ForwardOptions o;
  o.attention_mask = mask.narrow(0, 0, 1);
  o.backend = GetParam().backend;
  auto out = lm->forward(ids.narrow(0, 0, 1), o);
  EXPECT_LE(max_abs_diff(out.logits, g->tensor("logits_default_position_ids_row0"), valid.narrow(0, 0, 1)), 1e-4);
}

// The cases with gradients and a LoRA adapter (the RoPE variants are forward-only).
class GoldenTrain : public Golden {};

TEST_P(GoldenTrain, FullFineTuneGradients) {
  auto params = lm->hf_state_dict();
  auto out = lm->forward(ids, options());
  causal_lm_loss(out.logits, labels).backward();
  check_grads(*g, params);
}

TEST_P(GoldenTrain, LoraLogitsLossAndGradients) {
  io::SafetensorsFile lg(dir + "/lora_golden.safetensors");
  lora::load_adapter(*lm, dir + "/lora");
  lora::mark_only_adapter_trainable(*lm, "default");
  auto out = lm->forward(ids, options());
  EXPECT_LE(max_abs_diff(out.logits, lg.tensor("logits"), valid), 1e-4);
  auto loss = causal_lm_loss(out.logits, labels);
  EXPECT_NEAR(loss.item<double>(), lg.tensor("loss").item<double>(), 1e-5);
  loss.backward();
  check_grads(lg, lora::adapter_state_dict(*lm, "default", /*saved_names=*/false));
  for (const auto& [name, p] : lm->hf_state_dict()) EXPECT_FALSE(p.grad().defined()) << name << " is frozen";
}

std::vector<Case> cases(std::vector<const char*> names) {
  std::vector<Case> out;
  for (const char* n : names)
    for (auto b : {AttentionBackend::kEager, AttentionBackend::kFast}) out.push_back({n, b});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden,
                         ::testing::ValuesIn(cases({"llama", "mistral", "qwen2", "qwen3", "phi3", "llama_rope_linear",
                                                    "llama_rope_llama3", "phi3_longrope"})),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Cases, GoldenTrain,
                         ::testing::ValuesIn(cases({"llama", "mistral", "qwen2", "qwen3", "phi3"})), case_name);

}  // namespace
}  // namespace ragforge::model
