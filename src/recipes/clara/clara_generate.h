// CLaRa's generation from compressed documents (recipes.md §2.7): the
// decoder prompt's memory slots are overwritten with compressed documents
// (splice_memory) and decoder_adapter generates greedily from those
// embeddings with the KV cache (model/generate.h). Stage 2 first reranks the
// candidates: compress them with encoder_adapter, the question with
// query_reasoner_adapter, cosine, top-k.
//
// Shapes: B questions, N candidates per question, k documents per prompt,
// T prompt tokens, Le encoder row length, Lq query row length, m = n_mem, d hidden.
#pragma once
#include <torch/torch.h>

#include "model/causal_lm.h"
#include "model/generate.h"

namespace ragforge::recipes::clara {

inline constexpr int64_t kEvalMaxNewTokens = 128;         // the evaluator's default
inline constexpr int64_t kTrainingEvalMaxNewTokens = 64;  // do_eval_gen during training

// prompt_ids / prompt_mask [B, T]: left-padded decoder prompts rendered with
// the generation prompt (data/clara_layout.h: instruction_prompt etc. with an
// empty answer); slot_starts [B, k]; memory [B·k, m, d]. Greedy unless the
// options say otherwise; stops at the options' stop ids (default: the model's
// eos). Leaves decoder_adapter active.
model::GenerationOutput generate_from_memory(model::CausalLMImpl& lm,
                                             const torch::Tensor& prompt_ids,
                                             const torch::Tensor& prompt_mask,
                                             const torch::Tensor& slot_starts,
                                             const torch::Tensor& memory,
                                             const model::GenerationOptions& options);

struct Reranked {
  torch::Tensor indices;  // [B, k] candidate indices, best first
  torch::Tensor scores;   // [B, N] f32 cosine(query, candidate)
  torch::Tensor memory;   // [B·k, m, d] the chosen candidates' memory, in `indices` order
};
// candidate_ids / candidate_mask [B·N, Le]: encoder rows (data::encoder_row)
// of every question's N candidates, question-major; query_ids / query_mask
// [B, Lq]: the questions' encoder rows (<ENC> bos question eos, left-padded,
// memory appended). No gradient.
Reranked rerank_candidates(model::CausalLMImpl& lm, const torch::Tensor& candidate_ids,
                           const torch::Tensor& candidate_mask, const torch::Tensor& query_ids,
                           const torch::Tensor& query_mask, int64_t n_mem, int64_t k);

}  // namespace ragforge::recipes::clara
