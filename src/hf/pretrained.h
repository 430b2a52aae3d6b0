// Loading what every recipe trains: an HF model folder (or a randomly
// initialised config), its tokenizer and chat template, added special tokens
// with the embeddings resized (conventions.md §1.3), the dtype and device,
// and a fresh LoRA adapter named "default" unless the model fine-tunes fully.
// Recipe-free: each recipe maps its own config keys onto PretrainedSpec.
//
//   hf::PretrainedSpec spec;
//   spec.model_dir = "models/mistral";
//   spec.lora = nlohmann::ordered_json{{"r", 8}, {"lora_alpha", 16}};
//   hf::PretrainedModel m = hf::load_pretrained(spec, torch::kBFloat16, device, /*seed=*/42);
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/causal_lm.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::hf {

struct PretrainedSpec {
  std::string model_dir;               // an HF model folder; "" when init_config is given
  nlohmann::ordered_json init_config;  // config.json of a randomly initialised model; null: load model_dir
  std::string tokenizer_dir;           // "" = model_dir
  std::string chat_template;           // replaces the tokenizer's template when not ""
  std::optional<nlohmann::ordered_json> lora;  // PEFT LoraConfig fields; nullopt: full fine-tuning
  std::vector<std::string> special_tokens;     // added to the tokenizer; embeddings follow len(tokenizer)
  std::string lora_key = "model.lora";         // where the LoRA fields were set, for errors
};

struct PretrainedModel {
  PretrainedModel(model::CausalLM model, tokenizer::Tokenizer tok) : lm(std::move(model)), tokenizer(std::move(tok)) {}
  model::CausalLM lm{nullptr};
  tokenizer::Tokenizer tokenizer;
  std::string model_type;                 // config.json's model_type, for family defaults
  bool lora = false;                      // false: every weight trains
  std::vector<std::string> lora_modules;  // adapted module paths

  // The trainable weights: the "default" adapter (a PEFT folder) with LoRA,
  // else the whole model (an HF folder). load_weights reads what save_weights wrote.
  void save_weights(const std::string& dir) const;
  void load_weights(const std::string& dir);
  // The tokenizer files beside a saved model or adapter, as HF's
  // save_pretrained writes them (added tokens and the template override included).
  void save_tokenizer(const std::string& dir) const;
};

// dtype: the base weights' dtype; LoRA weights stay fp32. The seed makes the
// random init and LoRA's A matrices reproducible.
PretrainedModel load_pretrained(const PretrainedSpec& spec, torch::Dtype dtype, torch::Device device, uint64_t seed);

}  // namespace ragforge::hf
