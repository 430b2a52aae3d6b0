// Imports a checkpoint published by apple/ml-clara (recipes.md §2.8):
//
//   compression-<CR>/config.json                     CLaRaConfig (doc_max_length, compr_rate, lora_r,
//                                                    training_stage, different_mem_tokens, ...)
//   compression-<CR>/adapters.pth                    torch.save({adapter: {module.lora_A.weight: ...}})
//   compression-<CR>/decoder_first_last_layers.pth   torch.save({model.embed_tokens.weight, lm_head.weight})
//
// into ragforge's checkpoint folder (clara_checkpoint.h), which clara-eval and
// the next stage's pretrain_checkpoint read. The published files hold no base
// weights, so the base model they were trained on is needed (a local HF folder).
// A checkpoint with one shared <MEM> token (different_mem_tokens false) gets
// that row for each of ragforge's <MEM0..n-1>: the decoder's inputs are the
// same, and only the softmax counts the MEM logit n_mem times. A <KBTC> row
// (kbtc_training) is dropped: ragforge has no such token. The output folder is
// written beside itself and renamed into place; an existing one is refused.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace ragforge::recipes::clara {

struct ClaraImportOptions {
  std::string published;   // the compression-<CR> folder
  std::string base_model;  // the base HF folder (the published config names it as decoder_model_name)
  std::string tokenizer;   // "" : base_model's
  std::string output;      // the ragforge checkpoint folder to create
  std::string stage;       // "" : config.json's training_stage
  torch::Dtype dtype = torch::kBFloat16;  // the published tensors' dtype
};

struct ClaraImportResult {
  std::string stage;
  int64_t n_mem = 0;
  bool shared_mem_token = false;
  std::vector<std::string> adapters;
  std::vector<std::string> warnings;  // what the import could not carry over exactly
};

ClaraImportResult import_published_clara(const ClaraImportOptions& options);

}  // namespace ragforge::recipes::clara
