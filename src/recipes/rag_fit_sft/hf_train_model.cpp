#include "recipes/rag_fit_sft/hf_train_model.h"

namespace ragforge::recipes {

hf::PretrainedModel load_hf_train_model(const settings::ModelSettings& s, torch::Dtype dtype, torch::Device device,
                                        uint64_t seed) {
  hf::PretrainedSpec spec;
  spec.model_dir = s.model_name_or_path;
  spec.init_config = s.init_config;
  spec.tokenizer_dir = s.tokenizer;
  spec.chat_template = s.chat_template;
  spec.lora = s.lora;
  return hf::load_pretrained(spec, dtype, device, seed);
}

}  // namespace ragforge::recipes
