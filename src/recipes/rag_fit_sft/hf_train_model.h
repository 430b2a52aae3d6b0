// RAG-FiT's HFTrain for ragforge: the `model:` node's keys mapped onto the
// shared loader (hf/pretrained.h). Unless the node fine-tunes fully, the
// model gets a fresh LoRA adapter named "default", the only trainable weights.
#pragma once
#include "hf/pretrained.h"
#include "settings/model_settings.h"

namespace ragforge::recipes {

// dtype: the base weights' dtype (bf16 when train.bf16); LoRA weights stay fp32.
hf::PretrainedModel load_hf_train_model(const settings::ModelSettings& settings, torch::Dtype dtype,
                                        torch::Device device, uint64_t seed);

}  // namespace ragforge::recipes
