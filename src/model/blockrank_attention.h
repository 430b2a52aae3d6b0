// BlockRank attention (spec recipes.md §3.4) over M blocks of H tokens each,
// left padded, only real tokens visible as keys:
//   block 0            causal within itself;
//   documents 1..M-2   all of block 0, plus causal within themselves;
//   last block M-1     all of blocks 0..M-2, plus causal within itself.
// Documents never see each other, so the cost is linear in N = M-2.
//
// Three backends compute the same function:
//   kEager  eager_blockrank, the reference: K/V heads repeated for GQA,
//           explicit scores q·k/√d + mask, fp32 softmax, the documents batched
//           against [K0 ‖ K_self] (as the original's eager code).
//   kFused  sdpa_blockrank: three attention calls (block 0; all documents at
//           once against [K0 ‖ K_self]; the last block against all keys), GQA
//           grouped without repeating K/V; fused SDPA on CUDA with LibTorch 2.x.
//   kCuda   triton_blockrank: kFused with the document blocks in the CUDA
//           kernel of kernels/blockrank_doc_attention.cu (forward and backward).
//           Without a CUDA build or on CPU tensors it runs kFused
//           (blockrank_cuda_kernel_available() says which).
//
// The mask is additive with value 0.7·finfo(dtype).min, as the original's.
// A query that sees no key (a left pad) therefore gets equal weights over its
// part's whole key set (block 0: block 0; a document: [block 0 ‖ itself]; the
// last block: all M·H keys), in every backend. Such rows are never read
// (labels and the readout rows are real tokens); they stay finite.
//
// Shapes: B batch, Hq query heads, KV key/value heads, D head_dim, M blocks,
// H tokens per block, T = M·H, R readout rows.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>

namespace ragforge::model {

enum class BlockRankBackend { kEager, kFused, kCuda };  // eager_blockrank / sdpa_blockrank / triton_blockrank

struct BlockRankLayout {
  int64_t num_blocks = 0;  // M (>= 2: block 0, N >= 0 documents, the last block)
  int64_t block_len = 0;   // H
  torch::Tensor key_mask;  // [B, M, H] bool, true = real token (left padded blocks)
  BlockRankBackend backend = BlockRankBackend::kFused;
};

// q [B, Hq, T, D], k, v [B, KV, T, D] -> out [B, Hq, T, D]. When readout_rows > 0
// also *readout = the scaled masked scores q·k·scale + mask [B, Hq, R, T] of the
// last R = min(readout_rows, H) query rows of the last block (differentiable).
torch::Tensor blockrank_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                  const BlockRankLayout& layout, double scale, int64_t readout_rows = 0,
                                  torch::Tensor* readout = nullptr);

// Only the readout scores [B, Hq, R, T] (the early exit of the attention readout).
torch::Tensor blockrank_readout_scores(const torch::Tensor& q, const torch::Tensor& k, const BlockRankLayout& layout,
                                       double scale, int64_t readout_rows);

// [B, 1, T, T] bool, true where query i may attend key j: both are real tokens
// and the block rule allows it (the reference visibility, for tests and the
// quadratic baseline of scripts/bench-blockrank.sh).
torch::Tensor blockrank_dense_mask(const BlockRankLayout& layout);

// Plain attention under a dense bool mask [B|1, 1, Tq, Tk] (HF eager: repeated
// K/V, additive 0.7·finfo.min, fp32 softmax). Quadratic in T: the baseline.
torch::Tensor dense_masked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                     const torch::Tensor& mask, double scale);

// The additive mask value of a dtype: 0.7·finfo(dtype).min.
double blockrank_mask_value(torch::ScalarType dtype);

// "eager_blockrank" -> kEager, "triton_blockrank" -> kCuda; "sdpa_blockrank" and
// the other names containing "blockrank" (spec §3.4 aliases) -> kFused;
// nullopt for a name without "blockrank".
std::optional<BlockRankBackend> blockrank_backend_from_name(const std::string& name);
const char* blockrank_backend_name(BlockRankBackend backend);

// Whether kCuda really runs the CUDA kernel on `device` (a CUDA build and a CUDA device).
bool blockrank_cuda_kernel_available(const torch::Device& device);

}  // namespace ragforge::model
