#include "recipes/clara/clara_generate.h"

#include "core/error.h"
#include "lora/peft.h"
#include "recipes/clara/clara_ops.h"

namespace ragforge::recipes::clara {

model::GenerationOutput generate_from_memory(model::CausalLMImpl& lm,
                                             const torch::Tensor& prompt_ids,
                                             const torch::Tensor& prompt_mask,
                                             const torch::Tensor& slot_starts,
                                             const torch::Tensor& memory,
                                             const model::GenerationOptions& options) {
  torch::NoGradGuard no_grad;
  if (prompt_ids.dim() != 2 || slot_starts.dim() != 2 || memory.dim() != 3)
    throw Error(
        "clara generation: expected prompt_ids [B, T], slot_starts [B, k] and memory [B*k, m, d]");
  if (slot_starts.size(0) != prompt_ids.size(0))
    throw Error("clara generation: " + std::to_string(slot_starts.size(0)) +
                " rows of slot starts for " + std::to_string(prompt_ids.size(0)) + " prompts");
  lora::set_active_adapter(lm, kDecoderAdapter);
  auto ids = prompt_ids.to(lm.device()).to(torch::kInt64);
  auto embeds = splice_memory(lm, ids, slot_starts, memory.to(lm.device()));
  return model::generate_from_embeds(lm, embeds, prompt_mask, options);
}

Reranked rerank_candidates(model::CausalLMImpl& lm, const torch::Tensor& candidate_ids,
                           const torch::Tensor& candidate_mask, const torch::Tensor& query_ids,
                           const torch::Tensor& query_mask, int64_t n_mem, int64_t k) {
  torch::NoGradGuard no_grad;
  const int64_t B = query_ids.size(0);
  if (B == 0 || candidate_ids.size(0) % B != 0)
    throw Error("clara rerank: " + std::to_string(candidate_ids.size(0)) + " candidate rows for " +
                std::to_string(B) +
                " questions; every question needs the same number of candidates");
  const int64_t N = candidate_ids.size(0) / B;
  auto docs =
      compress_documents(lm, candidate_ids.to(lm.device()), candidate_mask.to(lm.device()), n_mem,
                         kEncoderAdapter)
          .memory;  // [B·N, m, d]
  auto query = compress_documents(lm, query_ids.to(lm.device()), query_mask.to(lm.device()), n_mem,
                                  kQueryReasonerAdapter)
                   .memory;  // [B, m, d]
  const int64_t m = docs.size(1), d = docs.size(2);
  Reranked r;
  r.scores = cosine_scores(query.reshape({B, m * d}), docs.reshape({B, N, m * d}));
  r.indices = straight_through_topk(r.scores, k, 0.02).indices;  // hard picks = top-k, best first
  auto rows = (torch::arange(B, r.indices.options()).unsqueeze(1) * N + r.indices).reshape({-1});
  r.memory = docs.index_select(0, rows.to(docs.device()));
  return r;
}

}  // namespace ragforge::recipes::clara
