// One CLaRa training forward per stage (recipes.md §2.4) on a micro-batch of
// clara_batch.h tensors:
//
//   stage1, stage1_2            compress (encoder_adapter, with grad) → splice → decoder_adapter CE
//                               total = CE + 0.1·mse when mse_loss
//   stage2                      compress N candidates (no grad) → query (query_reasoner_adapter)
//                               → cosine → straight-through top-k (τ 0.02) → W·D → splice → CE
//   stage2_pretrain_retrieval   the same scores → multi-positive InfoNCE; no decoder pass
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

#include "model/causal_lm.h"

namespace ragforge::recipes::clara {

inline constexpr double kMseWeight = 0.1;
inline constexpr double kTopKTemperature = 0.02;

struct ClaraStepOptions {
  std::string stage = "stage1";
  int64_t n_mem = 8, top_k = 1;
  bool mse_loss = true;
  bool gradient_checkpointing = false;  // the decoder pass only (see clara_step.cpp)
  bool keep_first_row_logits = false;  // fills first_row_logits (the debug printer)
};

struct ClaraStepOutput {
  torch::Tensor total;                     // scalar f32 with its graph
  int64_t supervised = 0;                  // labelled tokens (stage2_pretrain_retrieval: rows with positives)
  std::map<std::string, double> metrics;   // train/loss (CE), train/mse_loss, retrieval_* ...
  torch::Tensor first_row_logits;          // [T, V] f32, detached (keep_first_row_logits)
};

ClaraStepOutput clara_step(model::CausalLMImpl& lm, const std::map<std::string, torch::Tensor>& batch,
                           const ClaraStepOptions& options);

// recall@k and precision@k (k = 1, 3, 5) of top-k picks [B, >=k] against
// positives [B, N], averaged over rows with a positive; empty when none has one.
std::map<std::string, double> retrieval_metrics(const torch::Tensor& ranked, const torch::Tensor& positives);

}  // namespace ragforge::recipes::clara
