#include "model/flash_attention.h"

#include <ATen/Parallel.h>

#include <limits>

#include "model/blas_threads.h"
#include "model/checkpoint.h"

namespace ragforge::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kBlock = 128;  // query rows per block: GEMMs stay large, the skipped triangle small

struct Geometry {
  int64_t B, H, KV, G, T, D;
  explicit Geometry(const torch::Tensor& q, const torch::Tensor& k)
      : B(q.size(0)), H(q.size(1)), KV(k.size(1)), G(q.size(1) / k.size(1)), T(q.size(2)), D(q.size(3)) {}
  int64_t heads() const { return B * KV; }  // the K/V heads of every sequence: the parallel axis
  int64_t blocks() const { return (T + kBlock - 1) / kBlock; }
  int64_t q0(int64_t b) const { return b * kBlock; }
  int64_t rows(int64_t b) const { return std::min(kBlock, T - b * kBlock); }
};

// Keys [k0, k1) that block b sees; its mask covers keys [m0, k1) (the rest are all visible).
struct KeyRange {
  int64_t k0, m0, k1;
  int64_t keys() const { return k1 - k0; }
};

// One K/V head h (of B·KV): its G query heads stacked as rows, [G, T, D] views.
struct Head {
  torch::Tensor q, k, v;  // [G, T, D], [T, D], [T, D]
  int64_t batch;          // which sequence (for the masks)
};

Head head(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const Geometry& g, int64_t h) {
  return {q.view({g.heads(), g.G, g.T, g.D}).select(0, h), k.view({g.heads(), g.T, g.D}).select(0, h),
          v.view({g.heads(), g.T, g.D}).select(0, h), h / g.KV};
}

// Query rows of block b of a [G, T, D] head as [G·n, D].
torch::Tensor block_rows(const torch::Tensor& x, const Geometry& g, int64_t b) {
  return x.narrow(1, g.q0(b), g.rows(b)).reshape({g.G * g.rows(b), g.D});
}
void store_block_rows(const torch::Tensor& dst, const torch::Tensor& rows, const Geometry& g, int64_t b) {
  dst.narrow(1, g.q0(b), g.rows(b)).copy_(rows.view({g.G, g.rows(b), g.D}));
}

// Masked, scaled scores of block b: [G·n, k1-k0]. hidden: [B|1, 1, n, k1-m0],
// true where a key is masked, or empty where all keys are visible.
torch::Tensor block_scores(const torch::Tensor& qb, const Head& hd, const KeyRange& r, const torch::Tensor& hidden,
                           const Geometry& g, int64_t n, double scale) {
  auto kb = hd.k.narrow(0, r.k0, r.keys());
  // beta 0: the GEMM applies the scale and ignores the uninitialised input
  auto s = at::empty({qb.size(0), r.keys()}, qb.options());
  at::addmm_out(s, s, qb, kb.t(), 0, scale);
  if (hidden.numel() > 0)
    s.view({g.G, n, r.keys()})
        .narrow(2, r.m0 - r.k0, r.k1 - r.m0)
        .masked_fill_(hidden.select(0, hidden.size(0) == 1 ? 0 : hd.batch).select(0, 0),
                      -std::numeric_limits<double>::infinity());
  return s;
}

KeyRange key_range(const std::vector<int64_t>& ranges, int64_t b) {
  return {ranges[3 * b], ranges[3 * b + 1], ranges[3 * b + 2]};
}

// fn(h) for every K/V head, the heads spread over ATen's threads, each head's
// GEMMs single-threaded (blas_threads.h). One head: one call, BLAS threaded.
template <typename Fn>
void for_each_head(const Geometry& g, const Fn& fn) {
  if (g.heads() < 2 || at::get_num_threads() < 2 || at::in_parallel_region()) {
    for (int64_t h = 0; h < g.heads(); ++h) fn(h);
    return;
  }
  SingleThreadedBlas one_thread_each;
  at::parallel_for(0, g.heads(), 1, [&](int64_t h0, int64_t h1) {
    torch::NoGradGuard no_grad;  // grad mode is per thread; the workers start with it on
    for (int64_t h = h0; h < h1; ++h) fn(h);
  });
}

struct FlashAttention : torch::autograd::Function<FlashAttention> {
  // hidden[b]: bool [B|1, 1, n, k] for block b (true: masked), or an empty
  // tensor where all keys are visible; ranges: (k0, m0, k1) per block (KeyRange).
  // known: {out, lse} of this call's first run, when a checkpoint's replay
  // has them (model/checkpoint.h): backward needs them, not a second forward.
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, std::vector<torch::Tensor> hidden,
                               std::vector<int64_t> ranges, double scale, std::vector<torch::Tensor> known) {
    const Geometry g(q, k);
    torch::Tensor out, lse;
    if (known.size() == 2 && known[0].sizes() == q.sizes() && known[1].size(-1) == g.T) {
      out = known[0];
      lse = known[1];
    } else {
      out = torch::empty({g.B, g.H, g.T, g.D}, q.options());
      lse = torch::empty({g.heads(), g.G, g.T}, q.options());  // row logsumexp
      run_forward(q, k, v, hidden, ranges, scale, g, out, lse);
      checkpoint_keep({out, lse});
    }
    ctx->save_for_backward({q, k, v, out, lse});
    ctx->saved_data["hidden"] = hidden;
    ctx->saved_data["ranges"] = ranges;
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static void run_forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          const std::vector<torch::Tensor>& hidden, const std::vector<int64_t>& ranges, double scale,
                          const Geometry& g, const torch::Tensor& out, const torch::Tensor& lse) {
    for_each_head(g, [&](int64_t h) {
      const Head hd = head(q, k, v, g, h);
      auto out_h = out.view({g.heads(), g.G, g.T, g.D}).select(0, h);
      for (int64_t b = 0; b < g.blocks(); ++b) {
        const int64_t n = g.rows(b);
        const KeyRange r = key_range(ranges, b);
        auto s = block_scores(block_rows(hd.q, g, b), hd, r, hidden[b], g, n, scale);
        auto mx = std::get<0>(s.max(-1, true));
        s.sub_(mx).exp_();
        auto sum = s.sum(-1, true);
        s.div_(sum);
        store_block_rows(out_h, at::mm(s, hd.v.narrow(0, r.k0, r.keys())), g, b);
        lse.select(0, h).narrow(1, g.q0(b), n).copy_((mx + sum.log()).view({g.G, n}));
      }
    });
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &lse = saved[4];
    auto hidden = ctx->saved_data["hidden"].toTensorVector();
    auto ranges = ctx->saved_data["ranges"].toIntVector();
    const double scale = ctx->saved_data["scale"].toDouble();
    const Geometry g(q, k);
    auto dout = grad_out[0].contiguous();
    auto dq = torch::empty_like(q);
    auto dk = torch::zeros_like(k), dv = torch::zeros_like(v);
    for_each_head(g, [&](int64_t h) {
      const Head hd = head(q, k, v, g, h);
      auto as_head = [&](const torch::Tensor& x) { return x.view({g.heads(), g.G, g.T, g.D}).select(0, h); };
      auto dout_h = as_head(dout), out_h = as_head(out), dq_h = as_head(dq);
      auto dk_h = dk.view({g.heads(), g.T, g.D}).select(0, h), dv_h = dv.view({g.heads(), g.T, g.D}).select(0, h);
      for (int64_t b = 0; b < g.blocks(); ++b) {
        const int64_t n = g.rows(b);
        const KeyRange r = key_range(ranges, b);
        auto qb = block_rows(hd.q, g, b), dob = block_rows(dout_h, g, b), ob = block_rows(out_h, g, b);
        auto kb = hd.k.narrow(0, r.k0, r.keys()), vb = hd.v.narrow(0, r.k0, r.keys());
        auto p = block_scores(qb, hd, r, hidden[b], g, n, scale);  // recomputed probabilities
        p.sub_(lse.select(0, h).narrow(1, g.q0(b), n).reshape({g.G * n, 1})).exp_();
        dv_h.narrow(0, r.k0, r.keys()).addmm_(p.t(), dob);
        auto ds = at::mm(dob, vb.t());                  // dP
        ds.sub_((dob * ob).sum(-1, true)).mul_(p);      // dS = P ∘ (dP - rowsum(dO∘O))
        auto dqb = at::empty({g.G * n, g.D}, q.options());
        store_block_rows(dq_h, at::addmm_out(dqb, dqb, ds, kb, 0, scale), g, b);
        dk_h.narrow(0, r.k0, r.keys()).addmm_(ds.t(), qb, 1, scale);
      }
    });
    return {dq, dk, dv, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor flash_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const AttentionSpec& spec, double scale) {
  const auto dtype = q.scalar_type();
  if (spec.query_offset != 0 || q.size(2) != k.size(2) || (dtype != torch::kFloat32 && dtype != torch::kFloat64))
    return {};
  const Geometry g(q, k);
  std::vector<torch::Tensor> hidden;
  std::vector<int64_t> ranges;
  {
    torch::NoGradGuard no_grad;  // the masks are constants
    for (int64_t b = 0; b < g.blocks(); ++b) {
      const int64_t q0 = g.q0(b), q1 = q0 + g.rows(b);
      const int64_t k0 = spec.key_begin(q0), k1 = spec.key_end(q1, g.T);
      // Plain causal: keys before the block are all visible, so only the diagonal square is masked.
      const int64_t m0 = spec.plain_causal() ? std::max(k0, q0) : k0;
      auto m = spec.mask(q0, q1, m0, k1, q.device());  // [B|1, 1, n, k1-m0], true: visible
      if (m.defined() && m0 == k0 && !m.any(-1).all().item<bool>()) return {};  // a query sees no key
      hidden.push_back(m.defined() ? m.logical_not() : torch::empty({0}, torch::kBool));
      ranges.insert(ranges.end(), {k0, m0, k1});
    }
  }
  return FlashAttention::apply(q.contiguous(), k.contiguous(), v.contiguous(), hidden, ranges, scale,
                               checkpoint_take());
}

}  // namespace ragforge::model
