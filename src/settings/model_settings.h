// The `model:` node of a training config: RAG-FiT's HFTrain keys (which model
// to load, LoRA, precision) plus ragforge's own for a randomly initialised
// model. Torch-free, so `train` reports mistakes here before loading LibTorch.
//
//   model:
//     _target_: ragfit.models.hf.HFTrain     # or ragforge.models.HFTrain
//     model_name_or_path: microsoft/Phi-3-mini-128k-instruct
//     lora: {r: 16, lora_alpha: 16, target_modules: [qkv_proj], use_rslora: true}
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/config_view.h"

namespace ragforge::settings {

// ragforge's model target and the names RAG-FiT configs use for it.
inline constexpr const char* kModelTarget = "ragforge.models.HFTrain";

struct ModelSettings {
  std::string model_name_or_path;      // an HF model folder; "" when init_config is given
  nlohmann::ordered_json init_config;  // config.json of a randomly initialised model; null: load
  std::string tokenizer;               // tokenizer folder; "" = model_name_or_path
  std::string chat_template;           // replaces the tokenizer's template when not ""
  std::optional<nlohmann::ordered_json> lora;  // PEFT LoraConfig fields; nullopt: full fine-tuning
  std::string torch_dtype;             // "", "auto", "bfloat16", "float32"
};

// Validates keys and types (errors name the key and where it was set) and
// rejects quantized base weights, which ragforge does not support yet.
ModelSettings parse_model_settings(const config::ConfigView& model);

// The keys every recipe's model node shares: model_name_or_path (resolved to
// a folder) or init_config, tokenizer, chat_template, torch_dtype.
void read_model_source(const config::ConfigView& model, ModelSettings& s);

// Registers kModelTarget and its aliases (ragfit.models.hf.HFTrain,
// ragfoundry.models.hf.HFTrain) with config::instantiate; the factory
// returns a ModelSettings. Idempotent.
void register_model_targets();

}  // namespace ragforge::settings
