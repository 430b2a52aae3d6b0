// Which keys each query sees, and the attention computation itself.
//
// AttentionSpec describes visibility without materialising a dense [T, T]
// mask: causal order, padding (key_mask), a sliding window and a block
// structure (BlockRank: document blocks see only the instruction block and
// themselves). mask() builds the boolean mask of one query chunk against one
// key range on demand, so attention runs query chunk by query chunk and, for
// causal specs, never touches keys after the chunk.
//
// Two implementations compute the same function:
//   - attention_eager: the reference, written like HF's eager_attention_forward
//     (repeat K/V heads, scores, additive mask, fp32 softmax, weighted sum).
//   - attention_fast: query-chunked, GQA without repeating K/V, restricted to
//     each chunk's visible key range, and fused SDPA where the LibTorch has it.
//
// Shapes: B batch, T tokens, H query heads, KV key/value heads, D head_dim,
// M blocks.
#pragma once
#include <torch/torch.h>

#include <cstdint>

namespace ragforge::model {

enum class AttentionBackend { kEager, kFast };

struct AttentionSpec {
  bool causal = true;
  int64_t sliding_window = 0;  // > 0: query i sees keys j with i - w < j (token indices)
  torch::Tensor key_mask;      // [B, T] bool, true = real token; undefined: all real
  // Block structure (optional): token -> block index, and which blocks see which.
  // Within its own block a query sees keys under the causal rule; another block's
  // keys are visible iff block_visibility[qb][kb] (and, when causal, they precede it).
  torch::Tensor block_ids;         // [B, T] int64 (pads: any value, key_mask hides them)
  torch::Tensor block_visibility;  // [M, M] bool
  int64_t query_chunk = 1024;      // queries per chunk in the fast path
  int64_t query_offset = 0;        // token index of the first query (decoding with a KV cache)

  // Causal + optional padding mask [B, T] (1 = real) + optional sliding window.
  static AttentionSpec causal_lm(const torch::Tensor& attention_mask = {}, int64_t sliding_window = 0);
  // BlockRank: block 0 causal; blocks 1..M-2 see block 0 and themselves (causal);
  // block M-1 sees every block (causal within itself). block_ids [B, T], key_mask [B, T].
  static AttentionSpec blockrank(const torch::Tensor& block_ids, const torch::Tensor& key_mask,
                                 int64_t num_blocks);

  bool plain_causal() const {
    return causal && sliding_window <= 0 && !key_mask.defined() && !block_ids.defined();
  }
  // Keys [k0, k1) that queries [q0, q1) may see at all (query_offset 0).
  int64_t key_begin(int64_t q0) const;
  int64_t key_end(int64_t q1, int64_t T) const;
  // [B|1, 1, q1-q0, k1-k0] bool, true = visible; undefined when every key in the
  // range is visible to every query. A query that sees no key at all (a left
  // pad) gets HF's behaviour in both attention paths: equal scores for every
  // key, i.e. the mean of all values. Its logits are garbage, but HF's loss
  // reads them at the last left pad, so they are reproduced.
  torch::Tensor mask(int64_t q0, int64_t q1, int64_t k0, int64_t k1, const torch::Device& device) const;
  // Mean number of visible keys per real query (for block-sparse FLOP counts).
  double mean_visible_keys(int64_t T) const;
};

// q: [B, H, T, D], k, v: [B, KV, T, D] -> [B, H, T, D]. scale = 1/sqrt(D) by default.
torch::Tensor attention_eager(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const AttentionSpec& spec, double scale);
torch::Tensor attention_fast(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const AttentionSpec& spec, double scale);
torch::Tensor attention(AttentionBackend backend, const torch::Tensor& q, const torch::Tensor& k,
                        const torch::Tensor& v, const AttentionSpec& spec, double scale);

}  // namespace ragforge::model
