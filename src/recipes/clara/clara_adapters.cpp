#include "recipes/clara/clara_adapters.h"

#include <filesystem>

#include "core/error.h"
#include "recipes/clara/clara_ops.h"

namespace ragforge::recipes::clara {
namespace fs = std::filesystem;

namespace {

std::string adapter_dir(const std::string& checkpoint, const std::string& name) {
  return (fs::path(checkpoint) / "adapters" / name).string();
}

bool has_adapter_dir(const std::string& checkpoint, const std::string& name) {
  return fs::exists(fs::path(adapter_dir(checkpoint, name)) / "adapter_config.json");
}

}  // namespace

lora::LoraConfig clara_lora_config(int64_t r) {
  lora::LoraConfig c;
  c.r = r;
  c.lora_alpha = static_cast<double>(2 * r);
  c.lora_dropout = 0.1;
  c.all_linear = true;
  return c;
}

std::vector<std::string> prepare_stage_adapters(model::CausalLMImpl& lm, const std::string& stage,
                                                const std::string& checkpoint, const lora::LoraConfig& fresh) {
  if (stage == "stage1") {
    lora::add_adapter(lm, kEncoderAdapter, fresh);
    lora::add_adapter(lm, kDecoderAdapter, fresh);
    return {kEncoderAdapter, kDecoderAdapter};
  }
  if (checkpoint.empty())
    throw Error("clara: " + stage + " starts from the previous stage's checkpoint; set pretrain_checkpoint "
                "(--pretrain_checkpoint / PRETRAIN_CHECKPOINT) to a folder holding adapters/encoder_adapter");
  if (!fs::is_directory(fs::path(checkpoint) / "adapters"))
    throw Error("clara: pretrain_checkpoint " + checkpoint + " has no adapters/ folder (expected adapters/<name>/ "
                "as a CLaRa checkpoint writes them)");
  if (stage == "stage1_2") {
    if (!has_adapter_dir(checkpoint, kEncoderAdapter))
      throw Error("clara: stage1_2 needs " + adapter_dir(checkpoint, kEncoderAdapter) + " from stage 1");
    lora::load_adapter(lm, adapter_dir(checkpoint, kEncoderAdapter), kEncoderAdapter);  // the stage-1 decoder is dropped
    lora::add_adapter(lm, kDecoderAdapter, fresh);
    return {kEncoderAdapter, kDecoderAdapter};
  }
  if (stage != "stage2" && stage != "stage2_pretrain_retrieval")
    throw Error("clara: stage '" + stage + "' is not supported; use stage1, stage1_2, stage2 or stage2_pretrain_retrieval");
  const bool have_encoder = has_adapter_dir(checkpoint, kEncoderAdapter);
  for (const char* name : {kEncoderAdapter, kDecoderAdapter, kQueryReasonerAdapter})
    if (has_adapter_dir(checkpoint, name)) lora::load_adapter(lm, adapter_dir(checkpoint, name), name);
  if (!has_adapter_dir(checkpoint, kDecoderAdapter)) lora::add_adapter(lm, kDecoderAdapter, fresh);
  if (!has_adapter_dir(checkpoint, kQueryReasonerAdapter)) {
    if (have_encoder) lora::copy_adapter(lm, kEncoderAdapter, kQueryReasonerAdapter);
    else lora::add_adapter(lm, kQueryReasonerAdapter, fresh);
  }
  if (!have_encoder)
    throw Error("clara: " + stage + " compresses documents with encoder_adapter, but " + checkpoint +
                " has no adapters/encoder_adapter");
  if (stage == "stage2") return {kQueryReasonerAdapter, kDecoderAdapter};
  return {kQueryReasonerAdapter};
}

void save_clara_adapters(const model::CausalLMImpl& lm, const std::string& dir) {
  for (const auto& name : lora::adapter_names(lm)) lora::save_adapter(lm, (fs::path(dir) / "adapters" / name).string(), name);
}

}  // namespace ragforge::recipes::clara
