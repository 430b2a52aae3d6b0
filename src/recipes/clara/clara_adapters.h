// CLaRa's adapters across stages (recipes.md §2.5) and their PEFT folders
// (§2.8: <checkpoint>/adapters/<name>/{adapter_config.json,adapter_model.safetensors}).
//
//   stage1                      fresh encoder_adapter + decoder_adapter (B = 0)
//   stage1_2                    encoder_adapter from the checkpoint, a fresh decoder_adapter
//   stage2, stage2_pretrain_…   every adapter of the checkpoint; a missing
//                               query_reasoner_adapter is a copy of encoder_adapter
//                               (fresh if that is missing too), a missing decoder fresh
#pragma once
#include <string>
#include <vector>

#include "lora/peft.h"
#include "model/causal_lm.h"

namespace ragforge::recipes::clara {

// Adds the stage's adapters to `lm`; `checkpoint` is the previous stage's
// checkpoint folder (holding adapters/), required for every stage but stage1.
// Returns the adapters that train in this stage.
std::vector<std::string> prepare_stage_adapters(model::CausalLMImpl& lm, const std::string& stage,
                                                const std::string& checkpoint, const lora::LoraConfig& fresh);

// Every adapter on the model as <dir>/adapters/<name>/.
void save_clara_adapters(const model::CausalLMImpl& lm, const std::string& dir);

// stage1's LoRA: r 16, alpha 32, dropout 0.1, all-linear (not lm_head).
lora::LoraConfig clara_lora_config(int64_t r = 16);

}  // namespace ragforge::recipes::clara
