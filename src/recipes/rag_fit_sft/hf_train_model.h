// RAG-FiT's HFTrain for ragforge: the model a `model:` node describes, with
// its tokenizer and (unless full fine-tuning) a fresh LoRA adapter named
// "default" whose weights are the only trainable ones.
#pragma once
#include <string>
#include <vector>

#include "model/causal_lm.h"
#include "settings/model_settings.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::recipes {

struct HFTrainModel {
  HFTrainModel(model::CausalLM model, tokenizer::Tokenizer tok) : lm(std::move(model)), tokenizer(std::move(tok)) {}
  model::CausalLM lm{nullptr};
  tokenizer::Tokenizer tokenizer;
  std::string tokenizer_dir;            // its files are saved beside the trained weights
  std::string chat_template_override;   // model.chat_template, saved as chat_template.jinja
  std::string model_type;               // config.json's model_type, for family defaults
  bool lora = false;                    // false: every weight trains
  std::vector<std::string> lora_modules;  // adapted module paths
};

// dtype: the base weights' dtype (bf16 when train.bf16); LoRA weights stay fp32.
HFTrainModel load_hf_train_model(const settings::ModelSettings& settings, torch::Dtype dtype, torch::Device device,
                                 uint64_t seed);

}  // namespace ragforge::recipes
