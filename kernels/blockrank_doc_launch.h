// Raw-pointer launchers of the BlockRank document-block attention kernels
// (blockrank_doc_attention.cu). Torch-free, so nvcc never parses LibTorch;
// the Tensor-level, differentiable entry point is in kernels.h.
//
// Every document block j = 1..M-2 attends to its key set [block 0 ‖ block j]
// (2H keys) under the mask of model/blockrank_attention.h: block 0's real
// keys for a real query, its own real keys up to the query. The mask is
// additive (0.7·finfo(float32).min), so a query with no visible key weighs
// its 2H keys equally, as the reference does.
//
// Layouts (contiguous): q [B, Hq, M·H, D], k, v [B, KV, M·H, D] (float32 or
// bfloat16), valid [B, M, H] uint8 (1 = real token). Document rows and
// per-row statistics use [B, heads, N, H(, D)] with N = M-2.
#pragma once
#include <cstdint>

namespace ragforge::kernels {

struct BlockRankDocDims {
  int batch = 0, heads = 0, kv_heads = 0, blocks = 0, block_len = 0, head_dim = 0;
  float scale = 1.0f;
};

enum class KernelDtype { kFloat32, kBFloat16 };

// The head dims the kernels are compiled for (16, 32, 64, 128).
bool blockrank_doc_head_dim_supported(int head_dim);

// out [B, Hq, N, H, D] (input dtype); row_max, row_log_sum [B, Hq, N, H] fp32:
// the softmax statistics the backward pass replays. Returns nullptr, or the
// CUDA error text of the launch.
const char* launch_blockrank_doc_forward(const BlockRankDocDims& d, KernelDtype dtype, const void* q, const void* k,
                                         const void* v, const uint8_t* valid, void* out, float* row_max,
                                         float* row_log_sum, void* stream);

// dout [B, Hq, N, H, D] (input dtype), delta = Σ_D dout·out [B, Hq, N, H] fp32 ->
// dq [B, Hq, N, H, D]; dk_self, dv_self [B, KV, N, H, D] (keys of block j);
// dk0_part, dv0_part [B, KV, N, H, D]: document j's share of block 0's key
// gradients (the caller sums them over N). All fp32.
const char* launch_blockrank_doc_backward(const BlockRankDocDims& d, KernelDtype dtype, const void* q, const void* k,
                                          const void* v, const uint8_t* valid, const void* dout,
                                          const float* row_max, const float* row_log_sum, const float* delta,
                                          float* dq, float* dk_self, float* dv_self, float* dk0_part,
                                          float* dv0_part, void* stream);

}  // namespace ragforge::kernels
