// CLaRa's adapter hand-over between stages (recipes.md §2.5) on the golden's
// tiny Mistral and its two trained adapters.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "lora/peft.h"
#include "recipes/clara/clara_adapters.h"
#include "recipes/clara/clara_ops.h"
#include "torch_test_util.h"

namespace ragforge {
namespace {

using namespace recipes::clara;

model::CausalLM golden_base() {
  return model::CausalLM(
      model::CausalLMImpl::from_pretrained(testing::golden_dir("recipes/clara") + "/model", torch::kFloat32));
}

torch::Tensor weight(model::CausalLMImpl& lm, const std::string& adapter) {
  return lm.named_parameters()["model.layers.1.mlp.down_proj.lora_B." + adapter + ".weight"].detach().clone();
}

TEST(ClaraStages, HandOverRules) {
  testing::TempDir tmp;
  const std::string model_dir = testing::golden_dir("recipes/clara") + "/model";
  // A stage-1 checkpoint: the golden's trained encoder and decoder.
  auto s1 = golden_base();
  lora::load_adapter(*s1, model_dir + "/encoder_adapter", kEncoderAdapter);
  lora::load_adapter(*s1, model_dir + "/decoder_adapter", kDecoderAdapter);
  const std::string ckpt = tmp.path() + "/stage1/final";
  save_clara_adapters(*s1, ckpt);
  auto enc = weight(*s1, kEncoderAdapter);
  ASSERT_GT(enc.abs().max().item<double>(), 0.0);

  // stage1_2: only the encoder comes over; the decoder is fresh (B = 0).
  auto s12 = golden_base();
  auto trains = prepare_stage_adapters(*s12, "stage1_2", ckpt, clara_lora_config());
  EXPECT_EQ(trains, (std::vector<std::string>{kEncoderAdapter, kDecoderAdapter}));
  EXPECT_EQ(testing::max_abs_diff(weight(*s12, kEncoderAdapter), enc), 0.0);
  EXPECT_EQ(weight(*s12, kDecoderAdapter).abs().max().item<double>(), 0.0);
  EXPECT_EQ(lora::adapter_names(*s12).size(), 2u);

  // stage2: every adapter; query_reasoner is a copy of the encoder.
  auto s2 = golden_base();
  trains = prepare_stage_adapters(*s2, "stage2", ckpt, clara_lora_config());
  EXPECT_EQ(trains, (std::vector<std::string>{kQueryReasonerAdapter, kDecoderAdapter}));
  EXPECT_EQ(testing::max_abs_diff(weight(*s2, kQueryReasonerAdapter), enc), 0.0);
  EXPECT_EQ(testing::max_abs_diff(weight(*s2, kDecoderAdapter), weight(*s1, kDecoderAdapter)), 0.0);

  // The saved layout is PEFT's, one folder per adapter, and stage 2 keeps a saved query reasoner.
  save_clara_adapters(*s2, tmp.path() + "/stage2");
  auto s2b = golden_base();
  {
    torch::NoGradGuard g;
    s2->named_parameters()["model.layers.1.mlp.down_proj.lora_B.query_reasoner_adapter.weight"].add_(1.0);
  }
  save_clara_adapters(*s2, tmp.path() + "/stage2b");
  prepare_stage_adapters(*s2b, "stage2", tmp.path() + "/stage2b", clara_lora_config());
  EXPECT_EQ(testing::max_abs_diff(weight(*s2b, kQueryReasonerAdapter), enc + 1.0), 0.0);

  // A stage without its pretrain checkpoint says what to set.
  auto bare = golden_base();
  try {
    prepare_stage_adapters(*bare, "stage2", "", clara_lora_config());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("set pretrain_checkpoint"), std::string::npos) << e.what();
  }
  EXPECT_THROW(prepare_stage_adapters(*bare, "stage1_2", tmp.path() + "/nowhere", clara_lora_config()), Error);
}

}  // namespace
}  // namespace ragforge
