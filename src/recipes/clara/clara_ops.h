// CLaRa's tensor operations (recipes.md §2.2-2.5), shared by the recipe, the
// evaluator and the tests: the trainable set across named adapters,
// compressing documents into memory vectors, the decoder splice, the
// alignment MSE, the straight-through top-k and the retrieval InfoNCE.
//
// Shapes: B batch, N documents (B·k or B·N candidates), k selected, T tokens,
// Le encoder row length, m = n_mem memory tokens, d hidden.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/causal_lm.h"

namespace ragforge::recipes::clara {

inline constexpr const char* kEncoderAdapter = "encoder_adapter";
inline constexpr const char* kDecoderAdapter = "decoder_adapter";
inline constexpr const char* kQueryReasonerAdapter = "query_reasoner_adapter";

// Freezes everything, then lets the lora_A/lora_B of `adapters` train and the
// embedding rows `mem_ids` (every other row's gradient is zeroed; lm_head
// stays frozen). Returns the trainable element count (embedding counted as m·d).
int64_t train_adapters_and_rows(model::CausalLMImpl& lm, const std::vector<std::string>& adapters,
                                const std::vector<int64_t>& mem_ids);

struct Compressed {
  torch::Tensor memory;  // [N, m, d]: post-norm last hidden states at the memory positions
  torch::Tensor mse;     // scalar f32: mean_{N,d}(mean_mem h - mean_non-mem h)^2 over attended positions
};
// One forward of `adapter` over encoder rows ids/mask [N, Le] whose last m
// columns are the memory tokens (data/clara_layout.h). Positions 0..Le-1 (the
// HF training forward). An Error names a row without non-memory tokens.
Compressed compress_documents(model::CausalLMImpl& lm, const torch::Tensor& ids, const torch::Tensor& mask,
                              int64_t n_mem, const std::string& adapter, bool gradient_checkpointing = false);

// Embeds dec_ids [B, T] and overwrites slot j of row i (slot_starts [B, k],
// length m) with memory[i·k + j] ([B·k, m, d]); the gradient flows into
// `memory`, not into the overwritten embedding rows.
torch::Tensor splice_memory(model::CausalLMImpl& lm, const torch::Tensor& dec_ids, const torch::Tensor& slot_starts,
                            const torch::Tensor& memory);

struct TopK {
  torch::Tensor weights;  // [B, k, N]: K_hard + K_soft - stopgrad(K_soft)
  torch::Tensor indices;  // [B, k] in descending score order
};
// Straight-through top-k over scores [B, N] at temperature tau (stage 2: 0.02):
// soft slot j = softmax(s/tau + log(1 - taken + 1e-8)), taken = stop-grad union
// of the hard picks of slots < j.
TopK straight_through_topk(const torch::Tensor& scores, int64_t k, double tau);

// cos(q_b, D_bi) in f32: query [B, m·d], docs [B, N, m·d] -> [B, N].
torch::Tensor cosine_scores(const torch::Tensor& query, const torch::Tensor& docs);

// stage2_pretrain_retrieval: -(logsumexp_{i∈P} z_i - logsumexp_i z_i), z = s/tau,
// averaged over rows whose positive mask [B, N] is not empty (0 when none is).
torch::Tensor multi_positive_infonce(const torch::Tensor& scores, const torch::Tensor& positives, double tau);

}  // namespace ragforge::recipes::clara
