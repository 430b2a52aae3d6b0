// One BlockRank forward and its losses (recipes.md §3.5), shared by training,
// validation and `ragforge logits --attention blockrank`:
//   lm_loss   causal-LM cross-entropy over the completion, fp32;
//   aux_loss  InfoNCE on the readout of layer aux_layer_idx (aux_attention_loss.h);
//   loss      lm_loss + aux_loss_weight · aux_loss, nothing else rescaled.
//
// A batch's tensors (blockrank_batch.h): input_ids [B, M·H], attention_mask
// [B, M, H], position_ids, labels [B, M·H], answer_ids [B, P], completion_start [B].
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

#include "model/causal_lm.h"
#include "recipes/blockrank/aux_attention_loss.h"

namespace ragforge::recipes::blockrank {

struct BlockRankLossOptions {
  bool block_sparse = true;   // false: plain causal attention over the flat sequence
  model::BlockRankBackend backend = model::BlockRankBackend::kFused;
  bool use_aux_loss = true;
  int64_t aux_layer_idx = 20;
  double aux_loss_weight = 0.1;
  double aux_temperature = 0.05;
  int64_t num_last_queries = 16;
  bool gradient_checkpointing = false;
};

struct BlockRankLoss {
  torch::Tensor loss;     // 0-dim fp32 with its graph
  torch::Tensor lm_loss;  // 0-dim fp32
  int64_t supervised = 0;       // completion tokens predicted
  double token_accuracy = 0;    // share of them the argmax gets right
  AuxAttentionLoss aux;         // aux.loss undefined without the aux loss
};

// The model's forward options for a batch (layout, positions, readout).
model::ForwardOptions blockrank_forward_options(const std::map<std::string, torch::Tensor>& batch,
                                                const BlockRankLossOptions& options);

// `forward` (optional) receives the model's output (last hidden state, readout).
BlockRankLoss blockrank_loss(model::CausalLMImpl& lm, const std::map<std::string, torch::Tensor>& batch,
                             const BlockRankLossOptions& options, model::ForwardOutput* forward = nullptr);

}  // namespace ragforge::recipes::blockrank
