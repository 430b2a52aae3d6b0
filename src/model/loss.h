// The HF causal-LM loss and a chunked variant that never holds full-vocab
// float32 logits for the whole batch.
//
// Convention (HF ForCausalLMLoss): logits[:, t] predicts labels[:, t+1];
// labels == -100 are ignored; one mean over every supervised position of the
// batch, computed in float32. A batch with no supervised position gives 0.
//
// Shapes: B batch, T tokens, d hidden, V vocab, N supervised positions.
#pragma once
#include <torch/torch.h>

namespace ragforge::model {

constexpr int64_t kIgnoreIndex = -100;

// logits [B, T, V], labels [B, T] -> scalar float32.
torch::Tensor causal_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels);

// The same loss from the final hidden states [B, T, d] (after the final norm)
// and the output head weight [V, d]: logits are formed chunk_tokens positions
// at a time, and their gradients are computed in the same pass, so memory
// stays O(chunk_tokens · V) instead of O(B · T · V).
torch::Tensor chunked_causal_lm_loss(const torch::Tensor& hidden, const torch::Tensor& head_weight,
                                     const torch::Tensor& labels, int64_t chunk_tokens = 1024);

// Cross-entropy sum/mean over rows: hidden [N, d], head_weight [V, d], targets [N]
// (no ignored entries), divided by `denominator`.
torch::Tensor chunked_linear_cross_entropy(const torch::Tensor& hidden, const torch::Tensor& head_weight,
                                           const torch::Tensor& targets, double denominator,
                                           int64_t chunk_tokens = 1024);

}  // namespace ragforge::model
