// CLaRa's checkpoint folder (recipes.md §2.8) and loading it back, for the
// next stage, a resume and the evaluator:
//
//   <dir>/clara_config.json                      stage, doc_max_length, compress_rate, n_mem, lora_r,
//                                                lora_alpha, generation_top_k, base_model, added_tokens, mem_token_ids
//   <dir>/adapters/<name>/                       PEFT folders (clara_adapters.h)
//   <dir>/decoder_first_last_layers.safetensors  model.embed_tokens.weight, lm_head.weight (resized)
//   <dir>/tokenizer/                             tokenizer.json, tokenizer_config.json with the added tokens
//
// The loop's checkpoint-<N>/ folders hold the same files beside trainer_state/
// (written into the loop's temp folder, so they publish atomically with it);
// the final artefact is <output_dir>/final/, written into .tmp-final and renamed.
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/clara_layout.h"
#include "hf/pretrained.h"
#include "model/causal_lm.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::recipes::clara {

inline constexpr const char* kClaraConfigFile = "clara_config.json";
inline constexpr const char* kFirstLastLayersFile = "decoder_first_last_layers.safetensors";

struct ClaraCheckpointConfig {
  std::string stage;
  int64_t doc_max_length = 256, compress_rate = 32, n_mem = 8;
  int64_t lora_r = 16;
  double lora_alpha = 32;
  int64_t generation_top_k = 5;
  std::string base_model;              // the base HF folder ("" for a randomly initialised model)
  nlohmann::ordered_json init_config;  // that model's config when base_model is "" (null otherwise)
  int64_t init_seed = 42;              // the seed of that random init
  std::vector<std::string> added_tokens;  // <MEM0..n-1>, <AE>, <ENC>, <SEP>, in order
  std::vector<int64_t> mem_token_ids;

  nlohmann::ordered_json to_json() const;
  // `where` names the file for errors (missing or mistyped keys).
  static ClaraCheckpointConfig from_json(const nlohmann::json& j, const std::string& where);
};

// The token ids CLaRa needs from a tokenizer that holds the added tokens:
// pad = the tokenizer's pad, else bos; a tokenizer without bos/eos (Qwen)
// uses its first / second additional special token (not CLaRa's own).
data::ClaraTokens clara_tokens(const tokenizer::Tokenizer& tok, int64_t n_mem);

// Writes every file above into `dir` (created if missing; no fsync or
// rename here: the caller publishes the folder).
void write_clara_checkpoint(const std::string& dir, const model::CausalLMImpl& lm, const tokenizer::Tokenizer& tok,
                            const ClaraCheckpointConfig& config);

// Reads <dir>/clara_config.json (an Error names the folder when it is missing).
ClaraCheckpointConfig read_clara_config(const std::string& dir);

// Copies decoder_first_last_layers.safetensors into the model's embedding
// matrix and lm_head; their shapes must match (same base model and added tokens).
void load_first_last_layers(model::CausalLMImpl& lm, const std::string& dir);

struct ClaraLoadOptions {
  std::string base_model;  // "" : clara_config.json's base_model (or init_config)
  torch::Dtype dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
};

struct LoadedClara {
  hf::PretrainedModel model;  // base + every adapter of adapters/ + the checkpoint's embed/lm_head
  ClaraCheckpointConfig config;
  data::ClaraTokens tokens;   // ids of the added tokens, bos/eos/pad (clara_tokens)
};

// A CLaRa checkpoint for inference: the base model with the checkpoint's
// tokenizer (tokenizer/), embedding and lm_head rows, and all its adapters
// (decoder_adapter active). Stable interface: the evaluator uses it.
LoadedClara load_clara_checkpoint(const std::string& dir, const ClaraLoadOptions& options = {});

}  // namespace ragforge::recipes::clara
