// Text generation with a KV cache: greedy or temperature/top-p sampling, stop
// tokens, left-padded batches (HF generate() conventions: positions
// cumsum(mask)-1, pads at 1; finished rows are filled with the pad id).
//
// Shapes: B batch, T prompt tokens, N new tokens, V vocab.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "model/causal_lm.h"

namespace ragforge::model {

struct GenerationOptions {
  int64_t max_new_tokens = 32;
  bool do_sample = false;      // false: greedy (argmax)
  double temperature = 1.0;    // sampling only
  int64_t top_k = 0;           // sampling: keep the k highest logits (ties kept); 0 = off
  double top_p = 1.0;          // nucleus sampling: keep the smallest set with mass >= top_p
  std::vector<int64_t> stop_token_ids;  // empty: the config's eos ids
  int64_t pad_token_id = -1;   // -1: config pad, else first eos, else 0
  bool use_cache = true;       // false: recompute the whole sequence every step (reference)
  AttentionBackend backend = AttentionBackend::kFast;
};

struct GenerationOutput {
  torch::Tensor sequences;   // [B, T + N]: the prompt followed by the new tokens
  torch::Tensor new_tokens;  // [B, N]: pad after a row's stop token
  torch::Tensor step_logits; // [B, N, V] float32: the logits each token was chosen from
};

// input_ids [B, T] left-padded, attention_mask [B, T] (undefined: no padding).
GenerationOutput generate(CausalLMImpl& lm, const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                          const GenerationOptions& options = {});
// Same, prefilled from prompt embeddings [B, T, d] (e.g. with spliced-in
// memory vectors); new tokens are embedded as usual. `sequences` is undefined
// (there are no prompt ids); `new_tokens` and `step_logits` are as above.
GenerationOutput generate_from_embeds(CausalLMImpl& lm, const torch::Tensor& inputs_embeds,
                                      const torch::Tensor& attention_mask, const GenerationOptions& options = {});

// Chooses one token per row from logits [B, V]: greedy, or sampled after HF's
// warpers in HF's order (temperature, top-k, top-p).
torch::Tensor choose_tokens(const torch::Tensor& logits, const GenerationOptions& options);

}  // namespace ragforge::model
