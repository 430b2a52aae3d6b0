#include "model/flash_attention.h"

#include <limits>

namespace ragforge::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kBlock = 128;  // query rows per block: GEMMs stay large, the skipped triangle small

struct Geometry {
  int64_t B, H, KV, G, T, D;
  explicit Geometry(const torch::Tensor& q, const torch::Tensor& k)
      : B(q.size(0)), H(q.size(1)), KV(k.size(1)), G(q.size(1) / k.size(1)), T(q.size(2)), D(q.size(3)) {}
  int64_t blocks() const { return (T + kBlock - 1) / kBlock; }
  int64_t q0(int64_t b) const { return b * kBlock; }
  int64_t rows(int64_t b) const { return std::min(kBlock, T - b * kBlock); }
};

// Query rows of block b as [B·KV, G·n, D] (the G heads sharing a K/V head stacked).
torch::Tensor block_rows(const torch::Tensor& x, const Geometry& g, int64_t b) {
  return x.view({g.B, g.KV, g.G, g.T, g.D}).narrow(3, g.q0(b), g.rows(b)).reshape({g.B * g.KV, g.G * g.rows(b), g.D});
}
void store_block_rows(torch::Tensor& dst, const torch::Tensor& rows, const Geometry& g, int64_t b) {
  dst.view({g.B, g.KV, g.G, g.T, g.D})
      .narrow(3, g.q0(b), g.rows(b))
      .copy_(rows.view({g.B, g.KV, g.G, g.rows(b), g.D}));
}

// Keys [k0, k1) that block b sees; its mask covers keys [m0, k1) (the rest are all visible).
struct KeyRange {
  int64_t k0, m0, k1;
};

// Masked, scaled scores of block b: [B·KV, G·n, k1-k0].
torch::Tensor block_scores(const torch::Tensor& qb, const torch::Tensor& k3, const KeyRange& r,
                           const torch::Tensor& mask, const Geometry& g, int64_t n, double scale) {
  auto kb = k3.narrow(1, r.k0, r.k1 - r.k0);  // [B·KV, k, D]
  // beta 0: the GEMM applies the scale and ignores the uninitialised input
  auto s = at::empty({qb.size(0), qb.size(1), kb.size(1)}, qb.options()).baddbmm_(qb, kb.transpose(1, 2), 0, scale);
  if (mask.numel() > 0)  // [B|1, 1, n, k1-m0] -> over the KV and G axes
    s.view({g.B, g.KV, g.G, n, r.k1 - r.k0})
        .narrow(4, r.m0 - r.k0, r.k1 - r.m0)
        .masked_fill_(mask.logical_not().unsqueeze(1), -std::numeric_limits<double>::infinity());
  return s;
}

KeyRange key_range(const std::vector<int64_t>& ranges, int64_t b) {
  return {ranges[3 * b], ranges[3 * b + 1], ranges[3 * b + 2]};
}

struct FlashAttention : torch::autograd::Function<FlashAttention> {
  // masks[b]: bool [B|1, 1, n, k] for block b, or an empty tensor where all keys are visible;
  // ranges: (k0, m0, k1) per block (KeyRange).
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, std::vector<torch::Tensor> masks,
                               std::vector<int64_t> ranges, double scale) {
    const Geometry g(q, k);
    auto k3 = k.reshape({g.B * g.KV, g.T, g.D}), v3 = v.reshape({g.B * g.KV, g.T, g.D});
    auto out = torch::empty({g.B, g.H, g.T, g.D}, q.options());
    auto lse = torch::empty({g.B * g.KV, g.G, g.T}, q.options());  // row logsumexp
    for (int64_t b = 0; b < g.blocks(); ++b) {
      const int64_t n = g.rows(b);
      const KeyRange r = key_range(ranges, b);
      auto s = block_scores(block_rows(q, g, b), k3, r, masks[b], g, n, scale);
      auto mx = std::get<0>(s.max(-1, true));
      s.sub_(mx).exp_();
      auto sum = s.sum(-1, true);
      s.div_(sum);
      auto ob = at::bmm(s, v3.narrow(1, r.k0, r.k1 - r.k0));  // [B·KV, G·n, D]
      store_block_rows(out, ob, g, b);
      lse.narrow(2, g.q0(b), n).copy_((mx + sum.log()).view({g.B * g.KV, g.G, n}));
    }
    ctx->save_for_backward({q, k, v, out, lse});
    ctx->saved_data["masks"] = masks;
    ctx->saved_data["ranges"] = ranges;
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &lse = saved[4];
    auto masks = ctx->saved_data["masks"].toTensorVector();
    auto ranges = ctx->saved_data["ranges"].toIntVector();
    const double scale = ctx->saved_data["scale"].toDouble();
    const Geometry g(q, k);
    auto dout = grad_out[0].contiguous();
    auto k3 = k.reshape({g.B * g.KV, g.T, g.D}), v3 = v.reshape({g.B * g.KV, g.T, g.D});
    auto dq = torch::empty_like(q);
    auto dk = torch::zeros({g.B * g.KV, g.T, g.D}, q.options()), dv = torch::zeros_like(dk);
    for (int64_t b = 0; b < g.blocks(); ++b) {
      const int64_t n = g.rows(b);
      const KeyRange r = key_range(ranges, b);
      const int64_t k0 = r.k0, k1 = r.k1;
      auto qb = block_rows(q, g, b), dob = block_rows(dout, g, b), ob = block_rows(out, g, b);
      auto p = block_scores(qb, k3, r, masks[b], g, n, scale);  // recomputed probabilities
      p.sub_(lse.narrow(2, g.q0(b), n).reshape({g.B * g.KV, g.G * n, 1})).exp_();
      auto dvb = dv.narrow(1, k0, k1 - k0), dkb = dk.narrow(1, k0, k1 - k0);
      dvb.add_(at::bmm(p.transpose(1, 2), dob));
      auto ds = at::bmm(dob, v3.narrow(1, k0, k1 - k0).transpose(1, 2));  // dP
      ds.sub_((dob * ob).sum(-1, true)).mul_(p);                            // dS = P ∘ (dP - rowsum(dO∘O))
      store_block_rows(dq, at::bmm(ds, k3.narrow(1, k0, k1 - k0)).mul_(scale), g, b);
      dkb.add_(at::bmm(ds.transpose(1, 2), qb), scale);
    }
    return {dq, dk.view(k.sizes()), dv.view(v.sizes()), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor flash_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const AttentionSpec& spec, double scale) {
  const auto dtype = q.scalar_type();
  if (spec.query_offset != 0 || q.size(2) != k.size(2) || (dtype != torch::kFloat32 && dtype != torch::kFloat64))
    return {};
  const Geometry g(q, k);
  std::vector<torch::Tensor> masks;
  std::vector<int64_t> ranges;
  {
    torch::NoGradGuard no_grad;  // the masks are constants
    for (int64_t b = 0; b < g.blocks(); ++b) {
      const int64_t q0 = g.q0(b), q1 = q0 + g.rows(b);
      const int64_t k0 = spec.key_begin(q0), k1 = spec.key_end(q1, g.T);
      // Plain causal: keys before the block are all visible, so only the diagonal square is masked.
      const int64_t m0 = spec.plain_causal() ? std::max(k0, q0) : k0;
      auto m = spec.mask(q0, q1, m0, k1, q.device());  // [B|1, 1, n, k1-m0]
      if (m.defined() && m0 == k0 && !m.any(-1).all().item<bool>()) return {};  // a query sees no key
      masks.push_back(m.defined() ? m : torch::empty({0}, torch::kBool));
      ranges.insert(ranges.end(), {k0, m0, k1});
    }
  }
  return FlashAttention::apply(q.contiguous(), k.contiguous(), v.contiguous(), masks, ranges, scale);
}

}  // namespace ragforge::model
