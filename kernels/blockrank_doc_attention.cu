// BlockRank document-block attention, forward and backward (see
// blockrank_doc_launch.h for the function and layouts).
//
// Simple tiled kernels, written to be obviously correct rather than fast:
//   forward  one thread per query row; the 2H keys of its key set stream
//            through shared memory in tiles of kTile rows; online softmax
//            with fp32 statistics and accumulator.
//   dQ       the same walk, replaying P from the saved statistics.
//   dK, dV   one thread per key of the key set; the G query heads of its KV
//            head and the H query rows stream through shared memory.
// Every thread owns the rows it writes, so there are no atomics; block 0's
// key gradients are written per document and summed by the caller.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cfloat>
#include <cstdint>

#include "kernels/blockrank_doc_launch.h"

namespace ragforge::kernels {
namespace {

constexpr float kMaskValue = -0.7f * FLT_MAX;  // 0.7·finfo(float32).min, the reference's additive mask
constexpr int kThreads = 64;                   // rows (queries or keys) per thread block, one per thread
constexpr int kTile = 32;                      // rows staged in shared memory per step

__device__ __forceinline__ float load(const float* p, int64_t i) { return p[i]; }
__device__ __forceinline__ float load(const __nv_bfloat16* p, int64_t i) { return __bfloat162float(p[i]); }
__device__ __forceinline__ void store(float* p, int64_t i, float x) { p[i] = x; }
__device__ __forceinline__ void store(__nv_bfloat16* p, int64_t i, float x) { p[i] = __float2bfloat16(x); }

// Token index (within the sequence) of key c of document block `blk`'s key set.
__device__ __forceinline__ int64_t key_token(int H, int blk, int c) {
  return c < H ? static_cast<int64_t>(c) : static_cast<int64_t>(blk) * H + (c - H);
}

// Whether query row r of a document block sees key c of its key set.
__device__ __forceinline__ bool visible(const uint8_t* valid0, const uint8_t* valid_self, int H, int r, int c) {
  return c < H ? (valid_self[r] != 0 && valid0[c] != 0) : (valid_self[c - H] != 0 && c - H <= r);
}

// The score the reference's softmax sees: q·k·scale, plus the mask value when hidden.
template <int D>
__device__ __forceinline__ float masked_score(const float* q_scaled, const float* key, bool seen) {
  float s = 0.f;
#pragma unroll
  for (int e = 0; e < D; ++e) s += q_scaled[e] * key[e];
  return seen ? s : s + kMaskValue;
}

// ---- forward ------------------------------------------------------------------

template <typename T, int D>
__global__ void __launch_bounds__(kThreads)
    doc_forward_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                       const uint8_t* __restrict__ valid, T* __restrict__ out, float* __restrict__ row_max,
                       float* __restrict__ row_log_sum, BlockRankDocDims d) {
  __shared__ float ks[kTile][D], vs[kTile][D];
  const int H = d.block_len, N = d.blocks - 2, keys = 2 * H;
  const int doc = blockIdx.y, blk = doc + 1;
  const int b = blockIdx.z / d.heads, h = blockIdx.z % d.heads, kvh = h / (d.heads / d.kv_heads);
  const int r = blockIdx.x * kThreads + threadIdx.x;
  const bool active = r < H;
  const int64_t tokens = static_cast<int64_t>(d.blocks) * H;
  const uint8_t* valid0 = valid + static_cast<int64_t>(b) * d.blocks * H;
  const uint8_t* valid_self = valid0 + static_cast<int64_t>(blk) * H;
  const int64_t kv_base = (static_cast<int64_t>(b) * d.kv_heads + kvh) * tokens * D;
  const int64_t q_row = ((static_cast<int64_t>(b) * d.heads + h) * tokens + static_cast<int64_t>(blk) * H + r) * D;

  float qs[D], acc[D];
#pragma unroll
  for (int e = 0; e < D; ++e) {
    qs[e] = active ? load(q, q_row + e) * d.scale : 0.f;
    acc[e] = 0.f;
  }
  float m = -INFINITY, l = 0.f;
  for (int c0 = 0; c0 < keys; c0 += kTile) {
    const int n = min(kTile, keys - c0);
    for (int i = threadIdx.x; i < kTile * D; i += blockDim.x) {
      const int t = i / D, e = i % D;
      float kx = 0.f, vx = 0.f;
      if (t < n) {
        const int64_t off = kv_base + key_token(H, blk, c0 + t) * D + e;
        kx = load(k, off);
        vx = load(v, off);
      }
      ks[t][e] = kx;
      vs[t][e] = vx;
    }
    __syncthreads();
    if (active) {
      float s[kTile];
      float tile_max = -INFINITY;
#pragma unroll
      for (int t = 0; t < kTile; ++t) {
        s[t] = t < n ? masked_score<D>(qs, ks[t], visible(valid0, valid_self, H, r, c0 + t)) : -INFINITY;
        tile_max = fmaxf(tile_max, s[t]);
      }
      const float m_new = fmaxf(m, tile_max);  // finite: every tile has a key
      const float rescale = expf(m - m_new);   // 0 on the first tile (m = -inf)
      l *= rescale;
#pragma unroll
      for (int e = 0; e < D; ++e) acc[e] *= rescale;
#pragma unroll
      for (int t = 0; t < kTile; ++t) {
        if (t >= n) break;
        const float p = expf(s[t] - m_new);
        l += p;
#pragma unroll
        for (int e = 0; e < D; ++e) acc[e] += p * vs[t][e];
      }
      m = m_new;
    }
    __syncthreads();
  }
  if (active) {
    const int64_t row = ((static_cast<int64_t>(b) * d.heads + h) * N + doc) * H + r;
#pragma unroll
    for (int e = 0; e < D; ++e) store(out, row * D + e, acc[e] / l);
    row_max[row] = m;
    row_log_sum[row] = logf(l);  // kept apart from m: m + log l would lose log l next to 2e38
  }
}

// ---- backward: dQ ----------------------------------------------------------------

template <typename T, int D>
__global__ void __launch_bounds__(kThreads)
    doc_backward_dq_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                           const uint8_t* __restrict__ valid, const T* __restrict__ dout,
                           const float* __restrict__ row_max, const float* __restrict__ row_log_sum,
                           const float* __restrict__ delta, float* __restrict__ dq, BlockRankDocDims d) {
  __shared__ float ks[kTile][D], vs[kTile][D];
  const int H = d.block_len, N = d.blocks - 2, keys = 2 * H;
  const int doc = blockIdx.y, blk = doc + 1;
  const int b = blockIdx.z / d.heads, h = blockIdx.z % d.heads, kvh = h / (d.heads / d.kv_heads);
  const int r = blockIdx.x * kThreads + threadIdx.x;
  const bool active = r < H;
  const int64_t tokens = static_cast<int64_t>(d.blocks) * H;
  const uint8_t* valid0 = valid + static_cast<int64_t>(b) * d.blocks * H;
  const uint8_t* valid_self = valid0 + static_cast<int64_t>(blk) * H;
  const int64_t kv_base = (static_cast<int64_t>(b) * d.kv_heads + kvh) * tokens * D;
  const int64_t q_row = ((static_cast<int64_t>(b) * d.heads + h) * tokens + static_cast<int64_t>(blk) * H + r) * D;
  const int64_t row = ((static_cast<int64_t>(b) * d.heads + h) * N + doc) * H + r;

  float qs[D], go[D], g[D];
#pragma unroll
  for (int e = 0; e < D; ++e) {
    qs[e] = active ? load(q, q_row + e) * d.scale : 0.f;
    go[e] = active ? load(dout, row * D + e) : 0.f;
    g[e] = 0.f;
  }
  const float m = active ? row_max[row] : 0.f, log_l = active ? row_log_sum[row] : 0.f,
              dl = active ? delta[row] : 0.f;
  for (int c0 = 0; c0 < keys; c0 += kTile) {
    const int n = min(kTile, keys - c0);
    for (int i = threadIdx.x; i < kTile * D; i += blockDim.x) {
      const int t = i / D, e = i % D;
      float kx = 0.f, vx = 0.f;
      if (t < n) {
        const int64_t off = kv_base + key_token(H, blk, c0 + t) * D + e;
        kx = load(k, off);
        vx = load(v, off);
      }
      ks[t][e] = kx;
      vs[t][e] = vx;
    }
    __syncthreads();
    if (active) {
      for (int t = 0; t < n; ++t) {
        const float s = masked_score<D>(qs, ks[t], visible(valid0, valid_self, H, r, c0 + t));
        const float p = expf((s - m) - log_l);
        float dp = 0.f;
#pragma unroll
        for (int e = 0; e < D; ++e) dp += go[e] * vs[t][e];
        const float ds = p * (dp - dl);  // d loss / d score
#pragma unroll
        for (int e = 0; e < D; ++e) g[e] += ds * ks[t][e];
      }
    }
    __syncthreads();
  }
  if (active) {
#pragma unroll
    for (int e = 0; e < D; ++e) dq[row * D + e] = g[e] * d.scale;
  }
}

// ---- backward: dK, dV -------------------------------------------------------------

template <typename T, int D>
__global__ void __launch_bounds__(kThreads)
    doc_backward_dkdv_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                             const uint8_t* __restrict__ valid, const T* __restrict__ dout,
                             const float* __restrict__ row_max, const float* __restrict__ row_log_sum,
                             const float* __restrict__ delta, float* __restrict__ dk_self,
                             float* __restrict__ dv_self, float* __restrict__ dk0_part,
                             float* __restrict__ dv0_part, BlockRankDocDims d) {
  __shared__ float qs[kTile][D], gos[kTile][D];
  __shared__ float ms[kTile], ls[kTile], dls[kTile];
  const int H = d.block_len, N = d.blocks - 2, keys = 2 * H, G = d.heads / d.kv_heads;
  const int doc = blockIdx.y, blk = doc + 1;
  const int b = blockIdx.z / d.kv_heads, kvh = blockIdx.z % d.kv_heads;
  const int c = blockIdx.x * kThreads + threadIdx.x;  // key of the key set [block 0 ‖ block blk]
  const bool active = c < keys;
  const int64_t tokens = static_cast<int64_t>(d.blocks) * H;
  const uint8_t* valid0 = valid + static_cast<int64_t>(b) * d.blocks * H;
  const uint8_t* valid_self = valid0 + static_cast<int64_t>(blk) * H;
  const int64_t key_off = ((static_cast<int64_t>(b) * d.kv_heads + kvh) * tokens + (active ? key_token(H, blk, c) : 0)) * D;

  float kc[D], vc[D], gk[D], gv[D];
#pragma unroll
  for (int e = 0; e < D; ++e) {
    kc[e] = active ? load(k, key_off + e) : 0.f;
    vc[e] = active ? load(v, key_off + e) : 0.f;
    gk[e] = 0.f;
    gv[e] = 0.f;
  }
  for (int g = 0; g < G; ++g) {
    const int h = kvh * G + g;
    const int64_t q_base = ((static_cast<int64_t>(b) * d.heads + h) * tokens + static_cast<int64_t>(blk) * H) * D;
    const int64_t stat_base = ((static_cast<int64_t>(b) * d.heads + h) * N + doc) * H;
    for (int r0 = 0; r0 < H; r0 += kTile) {
      const int n = min(kTile, H - r0);
      for (int i = threadIdx.x; i < kTile * D; i += blockDim.x) {
        const int t = i / D, e = i % D;
        const bool in = t < n;
        qs[t][e] = in ? load(q, q_base + static_cast<int64_t>(r0 + t) * D + e) * d.scale : 0.f;
        gos[t][e] = in ? load(dout, (stat_base + r0 + t) * D + e) : 0.f;
      }
      for (int t = threadIdx.x; t < kTile; t += blockDim.x) {
        const bool in = t < n;
        ms[t] = in ? row_max[stat_base + r0 + t] : 0.f;
        ls[t] = in ? row_log_sum[stat_base + r0 + t] : 0.f;
        dls[t] = in ? delta[stat_base + r0 + t] : 0.f;
      }
      __syncthreads();
      if (active) {
        for (int t = 0; t < n; ++t) {
          const float s = masked_score<D>(qs[t], kc, visible(valid0, valid_self, H, r0 + t, c));
          const float p = expf((s - ms[t]) - ls[t]);
          float dp = 0.f;
#pragma unroll
          for (int e = 0; e < D; ++e) dp += gos[t][e] * vc[e];
          const float ds = p * (dp - dls[t]);
#pragma unroll
          for (int e = 0; e < D; ++e) {
            gv[e] += p * gos[t][e];
            gk[e] += ds * qs[t][e];  // qs holds q·scale: d score / d k = q·scale
          }
        }
      }
      __syncthreads();
    }
  }
  if (active) {
    const int64_t slot = ((static_cast<int64_t>(b) * d.kv_heads + kvh) * N + doc) * H + (c < H ? c : c - H);
    float* gk_out = c < H ? dk0_part : dk_self;
    float* gv_out = c < H ? dv0_part : dv_self;
#pragma unroll
    for (int e = 0; e < D; ++e) {
      gk_out[slot * D + e] = gk[e];
      gv_out[slot * D + e] = gv[e];
    }
  }
}

// ---- launchers ------------------------------------------------------------------

const char* launch_status() {
  cudaError_t err = cudaGetLastError();
  return err == cudaSuccess ? nullptr : cudaGetErrorString(err);
}

template <typename T, int D>
const char* forward_typed(const BlockRankDocDims& d, const void* q, const void* k, const void* v,
                          const uint8_t* valid, void* out, float* row_max, float* row_log_sum, cudaStream_t stream) {
  const dim3 grid((d.block_len + kThreads - 1) / kThreads, d.blocks - 2, d.batch * d.heads);
  doc_forward_kernel<T, D><<<grid, kThreads, 0, stream>>>(static_cast<const T*>(q), static_cast<const T*>(k),
                                                           static_cast<const T*>(v), valid, static_cast<T*>(out),
                                                           row_max, row_log_sum, d);
  return launch_status();
}

template <typename T, int D>
const char* backward_typed(const BlockRankDocDims& d, const void* q, const void* k, const void* v,
                           const uint8_t* valid, const void* dout, const float* row_max, const float* row_log_sum,
                           const float* delta, float* dq, float* dk_self, float* dv_self, float* dk0_part,
                           float* dv0_part, cudaStream_t stream) {
  const T *qt = static_cast<const T*>(q), *kt = static_cast<const T*>(k), *vt = static_cast<const T*>(v),
          *got = static_cast<const T*>(dout);
  const dim3 grid_q((d.block_len + kThreads - 1) / kThreads, d.blocks - 2, d.batch * d.heads);
  doc_backward_dq_kernel<T, D><<<grid_q, kThreads, 0, stream>>>(qt, kt, vt, valid, got, row_max, row_log_sum, delta,
                                                                 dq, d);
  if (const char* err = launch_status()) return err;
  const dim3 grid_k((2 * d.block_len + kThreads - 1) / kThreads, d.blocks - 2, d.batch * d.kv_heads);
  doc_backward_dkdv_kernel<T, D><<<grid_k, kThreads, 0, stream>>>(qt, kt, vt, valid, got, row_max, row_log_sum,
                                                                   delta, dk_self, dv_self, dk0_part, dv0_part, d);
  return launch_status();
}

template <int D>
const char* forward_dim(const BlockRankDocDims& d, KernelDtype dtype, const void* q, const void* k, const void* v,
                        const uint8_t* valid, void* out, float* row_max, float* row_log_sum, cudaStream_t s) {
  return dtype == KernelDtype::kBFloat16
             ? forward_typed<__nv_bfloat16, D>(d, q, k, v, valid, out, row_max, row_log_sum, s)
             : forward_typed<float, D>(d, q, k, v, valid, out, row_max, row_log_sum, s);
}

template <int D>
const char* backward_dim(const BlockRankDocDims& d, KernelDtype dtype, const void* q, const void* k, const void* v,
                         const uint8_t* valid, const void* dout, const float* row_max, const float* row_log_sum,
                         const float* delta, float* dq, float* dk_self, float* dv_self, float* dk0_part,
                         float* dv0_part, cudaStream_t s) {
  return dtype == KernelDtype::kBFloat16
             ? backward_typed<__nv_bfloat16, D>(d, q, k, v, valid, dout, row_max, row_log_sum, delta, dq, dk_self,
                                                dv_self, dk0_part, dv0_part, s)
             : backward_typed<float, D>(d, q, k, v, valid, dout, row_max, row_log_sum, delta, dq, dk_self, dv_self,
                                        dk0_part, dv0_part, s);
}

constexpr const char* kBadHeadDim = "blockrank_doc_attention: head_dim must be 16, 32, 64 or 128";

}  // namespace

bool blockrank_doc_head_dim_supported(int head_dim) {
  return head_dim == 16 || head_dim == 32 || head_dim == 64 || head_dim == 128;
}

const char* launch_blockrank_doc_forward(const BlockRankDocDims& d, KernelDtype dtype, const void* q, const void* k,
                                         const void* v, const uint8_t* valid, void* out, float* row_max,
                                         float* row_log_sum, void* stream) {
  if (d.blocks < 3 || d.block_len < 1) return nullptr;  // no document block
  auto s = static_cast<cudaStream_t>(stream);
  switch (d.head_dim) {
    case 16: return forward_dim<16>(d, dtype, q, k, v, valid, out, row_max, row_log_sum, s);
    case 32: return forward_dim<32>(d, dtype, q, k, v, valid, out, row_max, row_log_sum, s);
    case 64: return forward_dim<64>(d, dtype, q, k, v, valid, out, row_max, row_log_sum, s);
    case 128: return forward_dim<128>(d, dtype, q, k, v, valid, out, row_max, row_log_sum, s);
    default: return kBadHeadDim;
  }
}

const char* launch_blockrank_doc_backward(const BlockRankDocDims& d, KernelDtype dtype, const void* q, const void* k,
                                          const void* v, const uint8_t* valid, const void* dout,
                                          const float* row_max, const float* row_log_sum, const float* delta,
                                          float* dq, float* dk_self, float* dv_self, float* dk0_part,
                                          float* dv0_part, void* stream) {
  if (d.blocks < 3 || d.block_len < 1) return nullptr;
  auto s = static_cast<cudaStream_t>(stream);
#define RAGFORGE_BACKWARD_ARGS d, dtype, q, k, v, valid, dout, row_max, row_log_sum, delta, dq, dk_self, dv_self, dk0_part, dv0_part, s
  switch (d.head_dim) {
    case 16: return backward_dim<16>(RAGFORGE_BACKWARD_ARGS);
    case 32: return backward_dim<32>(RAGFORGE_BACKWARD_ARGS);
    case 64: return backward_dim<64>(RAGFORGE_BACKWARD_ARGS);
    case 128: return backward_dim<128>(RAGFORGE_BACKWARD_ARGS);
    default: return kBadHeadDim;
  }
#undef RAGFORGE_BACKWARD_ARGS
}

}  // namespace ragforge::kernels
