// hf::load_pretrained, the loader every recipe shares: random init from a
// config, special tokens with the embeddings resized as HF does, LoRA, and
// the tokenizer saved beside the weights.
#include <gtest/gtest.h>

#include "core/error.h"
#include "hf/pretrained.h"
#include "support/scratch_dir.h"
#include "torch_test_util.h"

namespace ragforge::hf {
namespace {

PretrainedSpec tiny_spec() {
  PretrainedSpec s;
  s.tokenizer_dir = testing::source_dir() + "/third_party_npm/mistral_v01_sp32k";
  s.init_config = {{"model_type", "llama"}, {"hidden_size", 32}, {"intermediate_size", 64},
                   {"num_hidden_layers", 1}, {"num_attention_heads", 2}, {"num_key_value_heads", 1},
                   {"tie_word_embeddings", false}};
  return s;
}

TEST(Pretrained, SpecialTokensResizeEmbeddingsToTheTokenizerWithMeanRows) {
  PretrainedSpec plain = tiny_spec();
  PretrainedModel before = load_pretrained(plain, torch::kFloat32, torch::kCPU, 7);
  ASSERT_EQ(before.lm->config().vocab_size, 32000);

  PretrainedSpec s = tiny_spec();
  s.special_tokens = {"<MEM0>", "<MEM1>", "</s>"};  // </s> exists: skipped
  PretrainedModel m = load_pretrained(s, torch::kFloat32, torch::kCPU, 7);
  EXPECT_EQ(m.tokenizer.vocab_size(), 32002u);
  EXPECT_EQ(m.lm->config().vocab_size, 32002);
  EXPECT_EQ(m.tokenizer.token_to_id("<MEM1>").value_or(-1), 32001);
  auto emb = m.lm->model->embed_tokens->weight.detach(), head = m.lm->lm_head->base->weight.detach();
  ASSERT_EQ(emb.size(0), 32002);
  ASSERT_EQ(head.size(0), 32002);
  // Same seed: the old rows are the plain model's; new rows are their mean (HF).
  auto old_emb = before.lm->model->embed_tokens->weight.detach();
  EXPECT_TRUE(torch::equal(emb.narrow(0, 0, 32000), old_emb));
  EXPECT_TRUE(torch::allclose(emb[32001], old_emb.mean(0), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(head[32000], before.lm->lm_head->base->weight.detach().mean(0), 1e-6, 1e-6));

  // Saved beside the weights, the tokenizer keeps the added tokens.
  testing::ScratchDir dir;
  m.save_tokenizer(dir.path());
  auto reloaded = tokenizer::Tokenizer::from_dir(dir.path());
  EXPECT_EQ(reloaded.vocab_size(), 32002u);
  EXPECT_EQ(reloaded.encode_ids("a<MEM0>b", false), m.tokenizer.encode_ids("a<MEM0>b", false));
}

TEST(Pretrained, LoraTrainsOnlyTheAdapterAndFullFineTuningTrainsAll) {
  PretrainedSpec s = tiny_spec();
  PretrainedModel full = load_pretrained(s, torch::kFloat32, torch::kCPU, 1);
  EXPECT_FALSE(full.lora);
  for (const auto& p : full.lm->parameters()) EXPECT_TRUE(p.requires_grad());

  s.lora = nlohmann::ordered_json{{"r", 4}, {"lora_alpha", 8}, {"target_modules", {"q_proj", "v_proj"}}};
  PretrainedModel lora = load_pretrained(s, torch::kFloat32, torch::kCPU, 1);
  EXPECT_TRUE(lora.lora);
  EXPECT_EQ(lora.lora_modules.size(), 2u);
  int64_t trainable = 0;
  for (const auto& item : lora.lm->named_parameters())
    if (item.value().requires_grad()) {
      ++trainable;
      EXPECT_NE(item.key().find("lora_"), std::string::npos) << item.key();
    }
  EXPECT_EQ(trainable, 4);  // A and B of two projections

  s.lora = nlohmann::ordered_json{{"r", 4}, {"lora_alpha", 8}, {"target_modules", {"nope_proj"}}};
  try {
    load_pretrained(s, torch::kFloat32, torch::kCPU, 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.lora: LoRA adapter 'default': target_modules [nope_proj] match no projection"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ragforge::hf
