#include "model/blockrank_attention.h"

#include <limits>

#include "compat/torch_compat.h"  // scaled_dot_product_attention where LibTorch has it
#include "core/error.h"
#if defined(RAGFORGE_WITH_CUDA) && RAGFORGE_WITH_CUDA
#include "kernels/kernels.h"  // blockrank_doc_attention (the kCuda document blocks)
#endif

namespace ragforge::model {
namespace {

// ---- checks and masks ------------------------------------------------------------

struct Dims {
  int64_t B, Hq, KV, G, T, D, M, H, N;
};

Dims check(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor* v, const BlockRankLayout& L) {
  if (q.dim() != 4 || k.dim() != 4 || q.size(0) != k.size(0) || q.size(2) != k.size(2) || q.size(3) != k.size(3) ||
      q.size(1) % k.size(1) != 0 || (v && v->sizes() != k.sizes()))
    throw Error("blockrank attention: q [B, Hq, T, D] and k, v [B, KV, T, D] with Hq a multiple of KV expected, got q " +
                c10::str(q.sizes()) + ", k " + c10::str(k.sizes()));
  Dims d{q.size(0), q.size(1), k.size(1), q.size(1) / k.size(1), q.size(2), q.size(3), L.num_blocks, L.block_len, 0};
  if (d.M < 2 || d.H < 1)
    throw Error("blockrank attention: the layout needs num_blocks >= 2 (block 0, the documents, the last block) and "
                "block_len >= 1, got " + std::to_string(d.M) + " and " + std::to_string(d.H));
  if (d.M * d.H != d.T)
    throw Error("blockrank attention: the sequence has " + std::to_string(d.T) + " tokens but the layout says " +
                std::to_string(d.M) + " blocks of " + std::to_string(d.H) + "; input_ids must be [B, M·H]");
  if (!L.key_mask.defined() || L.key_mask.sizes() != torch::IntArrayRef({d.B, d.M, d.H}))
    throw Error("blockrank attention: key_mask must be [B, M, H] = [" + std::to_string(d.B) + ", " +
                std::to_string(d.M) + ", " + std::to_string(d.H) + "] (true = real token)" +
                (L.key_mask.defined() ? ", got " + c10::str(L.key_mask.sizes()) : ", got none"));
  d.N = d.M - 2;
  return d;
}

torch::Tensor additive(const torch::Tensor& visible, torch::ScalarType dtype) {
  return torch::zeros(visible.sizes(), visible.options().dtype(dtype))
      .masked_fill(visible.logical_not(), blockrank_mask_value(dtype));
}

// The additive masks of the three parts, in the scores' dtype, without a head
// dimension. The original's rule: within a block, a key is visible when it is
// real and not after the query; another block's real key is visible to a
// real query only (so a left pad sees no key).
struct Masks {
  torch::Tensor first;  // [B, H, H]       block 0 vs itself
  torch::Tensor docs;   // [B, N, H, 2H]   documents vs [block 0 ‖ self]
  torch::Tensor last;   // [B, H, T]       the last block vs every key
};

Masks build_masks(const BlockRankLayout& L, const Dims& d, torch::ScalarType dtype, const torch::Device& device,
                  bool last_only = false) {
  auto valid = L.key_mask.to(device).to(torch::kBool);                                        // [B, M, H]
  auto causal = torch::ones({d.H, d.H}, valid.options()).tril();                              // [r, c]
  auto self = valid.unsqueeze(2).logical_and(causal);                                          // [B, M, r, c]
  auto query_real = [&](int64_t j0, int64_t n) { return valid.narrow(1, j0, n).unsqueeze(-1); };  // [B, n, H, 1]
  Masks m;
  auto others = valid.narrow(1, 0, d.M - 1).reshape({d.B, 1, (d.M - 1) * d.H});            // [B, 1, (M-1)·H]
  m.last = additive(torch::cat({others.logical_and(query_real(d.M - 1, 1).squeeze(1)), self.select(1, d.M - 1)}, -1),
                    dtype);
  if (last_only) return m;
  m.first = additive(self.select(1, 0), dtype);
  if (d.N > 0) {
    auto block0 = valid.narrow(1, 0, 1).unsqueeze(2);                                         // [B, 1, 1, H]
    m.docs = additive(torch::cat({block0.logical_and(query_real(1, d.N)), self.narrow(1, 1, d.N)}, -1), dtype);
  }
  return m;
}

torch::Tensor repeat_kv(const torch::Tensor& x, int64_t groups) {  // [B, KV, T, D] -> [B, KV·groups, T, D]
  if (groups == 1) return x;
  const int64_t B = x.size(0), KV = x.size(1), T = x.size(2), D = x.size(3);
  return x.unsqueeze(2).expand({B, KV, groups, T, D}).reshape({B, KV * groups, T, D});
}

torch::Tensor softmax_times(const torch::Tensor& scores, const torch::Tensor& v) {
  return torch::matmul(torch::softmax(scores, -1, torch::kFloat32).to(v.scalar_type()), v);
}

// Readout scores of the last R query rows of the last block: [B, Hq, R, T].
torch::Tensor readout_from(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& last_mask,
                           const Dims& d, double scale, int64_t rows) {
  const int64_t R = std::min(rows, d.H);
  auto qr = q.view({d.B, d.Hq, d.M, d.H, d.D}).select(2, d.M - 1).narrow(2, d.H - R, R);  // [B, Hq, R, D]
  auto qg = qr.reshape({d.B, d.KV, d.G * R, d.D});                                          // GQA grouped
  auto s = torch::matmul(qg * scale, k.transpose(-1, -2)).view({d.B, d.KV, d.G, R, d.T});
  s = s + last_mask.narrow(1, d.H - R, R).view({d.B, 1, 1, R, d.T});
  return s.view({d.B, d.Hq, R, d.T});
}

// ---- eager_blockrank: the reference ------------------------------------------------

torch::Tensor eager(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const BlockRankLayout& L,
                    const Dims& d, double scale, int64_t rows, torch::Tensor* readout) {
  const Masks mk = build_masks(L, d, q.scalar_type(), q.device());
  auto kr = repeat_kv(k, d.G), vr = repeat_kv(v, d.G);                     // [B, Hq, T, D]
  auto qs = (q * scale).view({d.B, d.Hq, d.M, d.H, d.D});
  auto kb = kr.view({d.B, d.Hq, d.M, d.H, d.D}), vb = vr.view({d.B, d.Hq, d.M, d.H, d.D});

  std::vector<torch::Tensor> parts;  // [B, Hq, *, H, D] per part
  auto s0 = torch::matmul(qs.select(2, 0), kb.select(2, 0).transpose(-1, -2)) + mk.first.unsqueeze(1);
  parts.push_back(softmax_times(s0, vb.select(2, 0)).unsqueeze(2));
  if (d.N > 0) {  // every document against [K0 ‖ K_self], batched
    auto k0 = kb.narrow(2, 0, 1).expand({d.B, d.Hq, d.N, d.H, d.D});
    auto v0 = vb.narrow(2, 0, 1).expand({d.B, d.Hq, d.N, d.H, d.D});
    auto kd = torch::cat({k0, kb.narrow(2, 1, d.N)}, 3), vd = torch::cat({v0, vb.narrow(2, 1, d.N)}, 3);
    auto sd = torch::matmul(qs.narrow(2, 1, d.N), kd.transpose(-1, -2)) + mk.docs.unsqueeze(1);  // [B, Hq, N, H, 2H]
    parts.push_back(softmax_times(sd, vd));
  }
  auto sl = torch::matmul(qs.select(2, d.M - 1), kr.transpose(-1, -2)) + mk.last.unsqueeze(1);  // [B, Hq, H, T]
  parts.push_back(softmax_times(sl, vr).unsqueeze(2));
  if (rows > 0 && readout) *readout = sl.narrow(2, d.H - std::min(rows, d.H), std::min(rows, d.H));
  return torch::cat(parts, 2).view({d.B, d.Hq, d.T, d.D});
}

// ---- sdpa_blockrank: three fused calls ---------------------------------------------

// One attention call: q [Bt, Hq, Lq, D], k, v [Bt, KV, Lk, D], additive mask
// [Bt, Lq, Lk] -> [Bt, Hq, Lq, D]. Fused SDPA on CUDA where LibTorch has it;
// otherwise batched matmuls with the query heads of a KV head stacked as rows
// (GQA without repeating K/V).
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& mask, double scale) {
  const int64_t Bt = q.size(0), Hq = q.size(1), Lq = q.size(2), D = q.size(3), KV = k.size(1), Lk = k.size(2);
  const int64_t G = Hq / KV;
  if (compat::has_scaled_dot_product_attention() && q.is_cuda()) {
    auto out = compat::scaled_dot_product_attention(q, repeat_kv(k, G), repeat_kv(v, G), mask.unsqueeze(1),
                                                    /*is_causal=*/false, scale);
    if (out.defined()) return out;
  }
  auto qg = q.reshape({Bt, KV, G * Lq, D});
  auto s = torch::matmul(qg * scale, k.transpose(-1, -2)).view({Bt, KV, G, Lq, Lk}) + mask.view({Bt, 1, 1, Lq, Lk});
  auto p = torch::softmax(s, -1, torch::kFloat32).to(q.scalar_type()).view({Bt, KV, G * Lq, Lk});
  return torch::matmul(p, v).view({Bt, Hq, Lq, D});
}

// The document blocks: [B, Hq, N, H, D].
torch::Tensor documents_fused(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const Masks& mk, const Dims& d, double scale) {
  // Batch (B, N): each document's queries against its own [K0 ‖ K_self].
  auto qd = q.view({d.B, d.Hq, d.M, d.H, d.D}).narrow(2, 1, d.N).transpose(1, 2).reshape({d.B * d.N, d.Hq, d.H, d.D});
  auto keys = [&](const torch::Tensor& x) {  // [B, KV, T, D] -> [B·N, KV, 2H, D]
    auto xb = x.view({d.B, d.KV, d.M, d.H, d.D}).transpose(1, 2);  // [B, M, KV, H, D]
    auto x0 = xb.narrow(1, 0, 1).expand({d.B, d.N, d.KV, d.H, d.D});
    return torch::cat({x0, xb.narrow(1, 1, d.N)}, 3).view({d.B * d.N, d.KV, 2 * d.H, d.D});
  };
  auto od = attend(qd, keys(k), keys(v), mk.docs.reshape({d.B * d.N, d.H, 2 * d.H}), scale);
  return od.reshape({d.B, d.N, d.Hq, d.H, d.D}).transpose(1, 2);
}

torch::Tensor documents_cuda(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const BlockRankLayout& L, const Masks& mk, const Dims& d, double scale) {
#if defined(RAGFORGE_WITH_CUDA) && RAGFORGE_WITH_CUDA
  const bool dtype_ok = q.scalar_type() == torch::kFloat32 || q.scalar_type() == torch::kBFloat16;
  if (q.is_cuda() && dtype_ok && kernels::blockrank_doc_attention_supports(d.D))
    return kernels::blockrank_doc_attention(q, k, v, L.key_mask.to(q.device()), scale);
#else
  (void)L;
#endif
  return documents_fused(q, k, v, mk, d, scale);
}

torch::Tensor fused(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const BlockRankLayout& L,
                    const Dims& d, double scale, int64_t rows, torch::Tensor* readout) {
  const Masks mk = build_masks(L, d, q.scalar_type(), q.device());
  auto q5 = q.view({d.B, d.Hq, d.M, d.H, d.D});
  auto k5 = k.view({d.B, d.KV, d.M, d.H, d.D}), v5 = v.view({d.B, d.KV, d.M, d.H, d.D});
  std::vector<torch::Tensor> parts;  // [B, Hq, *, H, D]
  parts.push_back(attend(q5.select(2, 0), k5.select(2, 0), v5.select(2, 0), mk.first, scale).unsqueeze(2));
  if (d.N > 0)
    parts.push_back(L.backend == BlockRankBackend::kCuda ? documents_cuda(q, k, v, L, mk, d, scale)
                                                         : documents_fused(q, k, v, mk, d, scale));
  parts.push_back(attend(q5.select(2, d.M - 1), k, v, mk.last, scale).unsqueeze(2));
  if (rows > 0 && readout) *readout = readout_from(q, k, mk.last, d, scale, rows);
  return torch::cat(parts, 2).view({d.B, d.Hq, d.T, d.D});
}

}  // namespace

// ---- public ---------------------------------------------------------------------

double blockrank_mask_value(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat64: return 0.7 * std::numeric_limits<double>::lowest();
    case torch::kFloat16: return 0.7 * -65504.0;
    case torch::kBFloat16: return 0.7 * -3.3895313892515355e38;
    default: return 0.7 * static_cast<double>(std::numeric_limits<float>::lowest());
  }
}

torch::Tensor blockrank_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                  const BlockRankLayout& layout, double scale, int64_t readout_rows,
                                  torch::Tensor* readout) {
  const Dims d = check(q, k, &v, layout);
  if (layout.backend == BlockRankBackend::kEager) return eager(q, k, v, layout, d, scale, readout_rows, readout);
  return fused(q, k, v, layout, d, scale, readout_rows, readout);
}

torch::Tensor blockrank_readout_scores(const torch::Tensor& q, const torch::Tensor& k, const BlockRankLayout& layout,
                                       double scale, int64_t readout_rows) {
  const Dims d = check(q, k, nullptr, layout);
  if (readout_rows <= 0) throw Error("blockrank readout: readout_rows must be positive");
  const Masks mk = build_masks(layout, d, q.scalar_type(), q.device(), /*last_only=*/true);
  return readout_from(q, k, mk.last, d, scale, readout_rows);
}

torch::Tensor blockrank_dense_mask(const BlockRankLayout& layout) {
  const int64_t M = layout.num_blocks, H = layout.block_len, T = M * H;
  if (!layout.key_mask.defined() || layout.key_mask.dim() != 3 || layout.key_mask.size(1) != M ||
      layout.key_mask.size(2) != H)
    throw Error("blockrank_dense_mask: key_mask must be [B, M, H] with M = num_blocks and H = block_len");
  auto real = layout.key_mask.to(torch::kBool).reshape({layout.key_mask.size(0), T});  // [B, T]
  auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(real.device());
  auto blk = torch::arange(M, i64).repeat_interleave(H), pos = torch::arange(H, i64).repeat({M});  // [T] each
  auto qb = blk.unsqueeze(1), kb = blk.unsqueeze(0), qp = pos.unsqueeze(1), kp = pos.unsqueeze(0);
  auto rule = qb.eq(kb).logical_and(kp.le(qp))                   // causal within a block
                  .logical_or(kb.eq(0).logical_and(qb.gt(0)))     // every later block sees block 0
                  .logical_or(qb.eq(M - 1).logical_and(kb.lt(M - 1)));  // the last block sees all
  return rule.unsqueeze(0).logical_and(real.unsqueeze(1)).logical_and(real.unsqueeze(2)).unsqueeze(1);
}

torch::Tensor dense_masked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                     const torch::Tensor& mask, double scale) {
  const int64_t G = q.size(1) / k.size(1);
  auto s = torch::matmul(q * scale, repeat_kv(k, G).transpose(-1, -2)) + additive(mask, q.scalar_type());
  return softmax_times(s, repeat_kv(v, G));
}

std::optional<BlockRankBackend> blockrank_backend_from_name(const std::string& name) {
  if (name.find("blockrank") == std::string::npos) return std::nullopt;
  if (name == "eager_blockrank") return BlockRankBackend::kEager;
  if (name == "triton_blockrank") return BlockRankBackend::kCuda;
  return BlockRankBackend::kFused;
}

const char* blockrank_backend_name(BlockRankBackend backend) {
  switch (backend) {
    case BlockRankBackend::kEager: return "eager_blockrank";
    case BlockRankBackend::kCuda: return "triton_blockrank";
    default: return "sdpa_blockrank";
  }
}

bool blockrank_cuda_kernel_available(const torch::Device& device) {
#if defined(RAGFORGE_WITH_CUDA) && RAGFORGE_WITH_CUDA
  return device.is_cuda();
#else
  (void)device;
  return false;
#endif
}

}  // namespace ragforge::model
