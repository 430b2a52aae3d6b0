// What rag_fit_sft uses when `model.completion_start` or
// `model.lora.target_modules` is empty (recipes.md §1.2, RAG-FiT issue #3),
// keyed by config.json's model_type.
//
//   model_type      completion_start                                      LoRA targets
//   phi3            <|assistant|>                                         [qkv_proj]
//   llama           <|start_header_id|>assistant<|end_header_id|>\n\n     [q_proj, k_proj, v_proj]
//   mistral         [/INST]                                               same
//   qwen2, qwen3    <|im_start|>assistant\n                               same
//   other           what the chat template's generation prompt adds       error: set them
#pragma once
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace ragforge::data {

// "llama" means Llama-3: a llama tokenizer without <|start_header_id|>
// (Llama-2 style) is treated as "other". "other" renders [user] with and
// without the generation prompt and returns the added suffix; a template
// that adds nothing is an error asking for model.completion_start.
std::string default_completion_start(const std::string& model_type,
                                     const tokenizer::Tokenizer& tok);

// Throws for "other": "set model.lora.target_modules".
std::vector<std::string> default_lora_targets(const std::string& model_type);

}  // namespace ragforge::data
