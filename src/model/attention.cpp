#include "model/attention.h"

#include <limits>

#include "core/error.h"
#include "compat/torch_compat.h"  // scaled_dot_product_attention where LibTorch has it
#include "model/flash_attention.h"

namespace ragforge::model {

// ---- AttentionSpec ------------------------------------------------------------

AttentionSpec AttentionSpec::causal_lm(const torch::Tensor& attention_mask, int64_t sliding_window) {
  AttentionSpec s;
  s.causal = true;
  s.sliding_window = sliding_window;
  if (attention_mask.defined()) {
    if (attention_mask.dim() != 2) throw Error("attention_mask must be [B, T]");
    // An all-ones mask is no mask: keep the unmasked fast path.
    if (!attention_mask.to(torch::kBool).all().item<bool>()) s.key_mask = attention_mask.to(torch::kBool);
  }
  return s;
}

AttentionSpec AttentionSpec::blockrank(const torch::Tensor& block_ids, const torch::Tensor& key_mask,
                                       int64_t num_blocks) {
  if (num_blocks < 2) throw Error("blockrank attention needs at least 2 blocks");
  AttentionSpec s;
  s.causal = true;
  s.block_ids = block_ids.to(torch::kInt64);
  if (key_mask.defined()) s.key_mask = key_mask.to(torch::kBool);
  auto vis = torch::zeros({num_blocks, num_blocks}, torch::kBool);  // [M, M]
  for (int64_t b = 0; b < num_blocks; ++b) vis[b][b] = true;         // causal within a block
  for (int64_t b = 1; b < num_blocks; ++b) vis[b][0] = true;         // every block sees block 0
  vis[num_blocks - 1].fill_(true);                                   // the last block sees all
  s.block_visibility = vis.to(block_ids.device());
  return s;
}

int64_t AttentionSpec::key_begin(int64_t q0) const {
  if (sliding_window > 0) return std::max<int64_t>(0, q0 - sliding_window + 1);
  return 0;
}

int64_t AttentionSpec::key_end(int64_t q1, int64_t T) const { return causal ? std::min(T, q1) : T; }

torch::Tensor AttentionSpec::mask(int64_t q0, int64_t q1, int64_t k0, int64_t k1,
                                  const torch::Device& device) const {
  auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(device);
  const int64_t qa0 = q0 + query_offset, qa1 = q1 + query_offset;  // token indices of the queries
  auto qi = torch::arange(qa0, qa1, i64).unsqueeze(1);  // [q, 1]
  auto kj = torch::arange(k0, k1, i64).unsqueeze(0);  // [1, k]
  torch::Tensor m;                                    // [q, k] or [B, q, k]
  auto conj = [&m](const torch::Tensor& x) { m = m.defined() ? m.logical_and(x) : x; };
  bool causal_cut = causal && k1 > qa0 + 1;                                // some key after some query
  bool window_cut = sliding_window > 0 && qa1 - 1 - sliding_window >= k0;  // some key out of window
  if (causal_cut) conj(kj <= qi);
  if (window_cut) conj(kj > qi - sliding_window);
  if (block_ids.defined()) {
    auto bq = block_ids.narrow(1, qa0, q1 - q0).clamp_min(0);  // [B, q]
    auto bk = block_ids.narrow(1, k0, k1 - k0).clamp_min(0);  // [B, k]
    auto same = bq.unsqueeze(2).eq(bk.unsqueeze(1));          // [B, q, k]
    auto vis = block_visibility.index({bq.unsqueeze(2), bk.unsqueeze(1)});
    conj(same.logical_or(vis));
  }
  if (key_mask.defined()) conj(key_mask.narrow(1, k0, k1 - k0).unsqueeze(1));  // [B, 1, k]
  if (!m.defined()) return m;
  if (m.dim() == 2) m = m.unsqueeze(0);
  if (key_mask.defined() && m.size(1) == 1) m = m.expand({key_mask.size(0), q1 - q0, k1 - k0});
  return m.unsqueeze(1);  // [B, 1, q, k]
}

double AttentionSpec::mean_visible_keys(int64_t T) const {
  torch::NoGradGuard no_grad;
  auto device = key_mask.defined() ? key_mask.device() : torch::Device(torch::kCPU);
  double total = 0, queries = 0;
  for (int64_t q0 = 0; q0 < T; q0 += query_chunk) {
    int64_t q1 = std::min(T, q0 + query_chunk);
    int64_t k0 = key_begin(q0), k1 = key_end(q1, T);
    auto m = mask(q0, q1, k0, k1, device);
    if (!m.defined()) {
      total += static_cast<double>((q1 - q0) * (k1 - k0));
      queries += static_cast<double>(q1 - q0);
      continue;
    }
    m = m.squeeze(1);  // [B, q, k]
    auto real_q = key_mask.defined() ? key_mask.narrow(1, q0, q1 - q0) : torch::ones({m.size(0), q1 - q0}, torch::kBool);
    auto rq = real_q.to(m.device()).unsqueeze(2);
    total += m.logical_and(rq).sum().item<double>();
    queries += rq.sum().item<double>();
  }
  return queries > 0 ? total / queries : 0.0;
}

// ---- attention ------------------------------------------------------------------

namespace {

void check_shapes(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || q.size(0) != k.size(0) || k.sizes() != v.sizes() ||
      q.size(3) != k.size(3) || q.size(1) % k.size(1) != 0)
    throw Error("attention: q [B,H,T,D] and k, v [B,KV,T,D] with H a multiple of KV expected");
}

double lowest(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat64: return std::numeric_limits<double>::lowest();
    case torch::kFloat16: return -65504.0;
    case torch::kBFloat16: return -3.3895313892515355e38;
    default: return std::numeric_limits<float>::lowest();
  }
}

// q [B, H, q, D] vs k, v [B, KV, k, D], grouped without repeating K/V.
torch::Tensor grouped_chunk(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            const torch::Tensor& mask, double scale) {
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3), KV = k.size(1), G = H / KV;
  auto qg = q.reshape({B, KV, G * Tq, D});                                 // [B, KV, G·q, D]
  auto scores = torch::matmul(qg, k.transpose(2, 3)) * scale;            // [B, KV, G·q, k]
  if (mask.defined()) {
    auto s5 = scores.view({B, KV, G, Tq, scores.size(-1)});
    auto m5 = mask.unsqueeze(1);                                         // [B, 1, 1, q, k]
    scores = s5.masked_fill(m5.logical_not(), lowest(scores.scalar_type())).view(scores.sizes());
  }
  auto p = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  return torch::matmul(p, v).view({B, H, Tq, D});                        // [B, H, q, D]
}

torch::Tensor repeat_kv(const torch::Tensor& x, int64_t groups) {
  if (groups == 1) return x;
  const int64_t B = x.size(0), KV = x.size(1), T = x.size(2), D = x.size(3);
  return x.unsqueeze(2).expand({B, KV, groups, T, D}).reshape({B, KV * groups, T, D});
}

}  // namespace

torch::Tensor attention_eager(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const AttentionSpec& spec, double scale) {
  check_shapes(q, k, v);
  const int64_t groups = q.size(1) / k.size(1);
  auto kr = repeat_kv(k, groups), vr = repeat_kv(v, groups);                   // [B, H, T, D]
  auto scores = torch::matmul(q, kr.transpose(2, 3)) * scale;                  // [B, H, Tq, Tk]
  auto m = spec.mask(0, q.size(2), 0, k.size(2), q.device());                 // [B|1, 1, Tq, Tk]
  // Additive, as HF: a fully masked row becomes `lowest` everywhere (uniform
  // weights) and its scores still pass gradients to q and k, like HF's.
  if (m.defined()) scores = scores + m.logical_not().to(scores.scalar_type()) * lowest(scores.scalar_type());
  auto p = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  return torch::matmul(p, vr);                                                 // [B, H, Tq, D]
}

torch::Tensor attention_fast(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const AttentionSpec& spec, double scale) {
  check_shapes(q, k, v);
  const int64_t Tq = q.size(2), Tk = k.size(2);
  if (Tq != Tk || spec.query_offset != 0) return attention_eager(q, k, v, spec, scale);  // decoding
  if (!compat::has_scaled_dot_product_attention()) {
    if (auto out = flash_attention(q, k, v, spec, scale); out.defined()) return out;
  }
  const int64_t chunk = spec.query_chunk > 0 ? spec.query_chunk : Tq;
  const int64_t groups = q.size(1) / k.size(1);
  std::vector<torch::Tensor> outs;
  for (int64_t q0 = 0; q0 < Tq; q0 += chunk) {
    const int64_t q1 = std::min(Tq, q0 + chunk);
    const int64_t k0 = spec.key_begin(q0), k1 = spec.key_end(q1, Tk);
    auto qc = q.narrow(2, q0, q1 - q0), kc = k.narrow(2, k0, k1 - k0), vc = v.narrow(2, k0, k1 - k0);
    const bool aligned_causal = spec.plain_causal() && q0 == k0 && q1 == k1;
    torch::Tensor m = aligned_causal ? torch::Tensor() : spec.mask(q0, q1, k0, k1, q.device());  // [B, 1, q, k]
    torch::Tensor empty;  // [B, 1, q, 1]: queries that see no key (left pads)
    if (m.defined()) {
      empty = m.any(-1, true).logical_not();
      if (empty.any().item<bool>())
        m = m.logical_or(empty);  // keep fused kernels finite; replaced below
      else
        empty = torch::Tensor();
    }
    torch::Tensor out;
    if (compat::has_scaled_dot_product_attention())
      out = compat::scaled_dot_product_attention(qc, repeat_kv(kc, groups), repeat_kv(vc, groups), m,
                                                 aligned_causal, scale);
    if (!out.defined()) {
      if (aligned_causal) m = spec.mask(q0, q1, k0, k1, q.device());
      out = grouped_chunk(qc, kc, vc, m, scale);
    }
    if (empty.defined()) {
      // HF: a fully masked query row gets score + lowest for every key, i.e.
      // uniform weights over all keys, with gradients still flowing into its
      // scores. HF's loss reads that row at the last left pad, so it is
      // reproduced here (only chunks holding such rows pay for it).
      auto s = torch::matmul(qc, repeat_kv(k, groups).transpose(2, 3)) * scale + lowest(q.scalar_type());
      auto p = torch::softmax(s, -1, torch::kFloat32).to(q.scalar_type());   // [B, H, q, Tk]
      out = torch::where(empty, torch::matmul(p, repeat_kv(v, groups)), out);
    }
    outs.push_back(out);
  }
  return outs.size() == 1 ? outs[0] : torch::cat(outs, 2);
}

torch::Tensor attention(AttentionBackend backend, const torch::Tensor& q, const torch::Tensor& k,
                        const torch::Tensor& v, const AttentionSpec& spec, double scale) {
  return backend == AttentionBackend::kEager ? attention_eager(q, k, v, spec, scale)
                                             : attention_fast(q, k, v, spec, scale);
}

}  // namespace ragforge::model
