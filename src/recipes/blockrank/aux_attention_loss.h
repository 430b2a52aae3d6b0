// BlockRank's auxiliary attention loss (recipes.md §3.5): InfoNCE over the
// documents, scored by how much attention the answer position ("[" and the
// row before it) pays to each document's tokens at one layer.
//
// Shapes: B batch, Hq query heads, R readout rows (the last R rows of the
// last block), M blocks of H tokens, N = M-2 documents, P answers.
#pragma once
#include <torch/torch.h>

namespace ragforge::recipes::blockrank {

struct AuxAttentionLoss {
  torch::Tensor loss;        // 0-dim fp32 with its graph; 0 when no row has a positive
  torch::Tensor doc_scores;  // [B, N] fp32: attention mass per document, rows sum to 1
  torch::Tensor doc_logits;  // [B, N] fp32: doc_scores / temperature
  double accuracy = 0;       // share of rows with positives whose top document is one
  int64_t rows_with_positives = 0;
};

// readout: [B, Hq, R, M·H] scaled scores q·k/√d + mask (any dtype; computed in
// fp32). completion_start: [B] flat index of "["; both it and the row before
// must lie in the last R rows, else an Error. answer_ids: [B, P] document
// indices, -1 padded; undefined at inference (loss and accuracy left empty).
AuxAttentionLoss aux_attention_loss(const torch::Tensor& readout, const torch::Tensor& completion_start,
                                    const torch::Tensor& answer_ids, int64_t num_blocks, int64_t block_len,
                                    double temperature);

}  // namespace ragforge::recipes::blockrank
