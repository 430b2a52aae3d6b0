#include "model/fused_ops.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <mutex>

namespace ragforge::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

bool fusable(const torch::Tensor& x) {
  return x.device().is_cpu() && (x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kFloat64);
}

// Rows per parallel task: enough work to amortise a task (~16k elements).
int64_t grain(int64_t row_len) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, row_len)); }

// ---- RMSNorm ---------------------------------------------------------------------

struct RmsNorm : torch::autograd::Function<RmsNorm> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x_in, const torch::Tensor& w, double eps) {
    auto x = x_in.contiguous();
    const int64_t d = x.size(-1), rows = x.numel() / d;
    auto y = torch::empty_like(x);
    auto rstd = torch::empty({rows}, x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fused_rms_norm", [&] {
      const scalar_t *px = x.data_ptr<scalar_t>(), *pw = w.data_ptr<scalar_t>();
      scalar_t *py = y.data_ptr<scalar_t>(), *pr = rstd.data_ptr<scalar_t>();
      at::parallel_for(0, rows, grain(d), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const scalar_t* xr = px + r * d;
          scalar_t ss = 0;
          for (int64_t i = 0; i < d; ++i) ss += xr[i] * xr[i];
          const scalar_t inv = 1 / std::sqrt(ss / d + static_cast<scalar_t>(eps));
          pr[r] = inv;
          scalar_t* yr = py + r * d;
          for (int64_t i = 0; i < d; ++i) yr[i] = pw[i] * (xr[i] * inv);
        }
      });
    });
    ctx->save_for_backward({x, w, rstd});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &w = saved[1], &rstd = saved[2];
    auto dy = grad_out[0].contiguous();
    const int64_t d = x.size(-1), rows = x.numel() / d;
    auto dx = torch::empty_like(x);
    const bool need_dw = ctx->needs_input_grad(1);  // frozen under LoRA
    auto dw = need_dw ? torch::zeros_like(w) : torch::Tensor();
    std::mutex dw_mutex;
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fused_rms_norm_backward", [&] {
      const scalar_t *px = x.data_ptr<scalar_t>(), *pw = w.data_ptr<scalar_t>(), *pr = rstd.data_ptr<scalar_t>(),
                     *pdy = dy.data_ptr<scalar_t>();
      scalar_t *pdx = dx.data_ptr<scalar_t>(), *pdw = need_dw ? dw.data_ptr<scalar_t>() : nullptr;
      at::parallel_for(0, rows, grain(d), [&](int64_t r0, int64_t r1) {
        std::vector<scalar_t> local(pdw ? d : 0, 0);
        for (int64_t r = r0; r < r1; ++r) {
          const scalar_t *xr = px + r * d, *gr = pdy + r * d;
          const scalar_t inv = pr[r];
          scalar_t dot = 0;  // Σ dy·w·x̂
          for (int64_t i = 0; i < d; ++i) {
            const scalar_t xhat = xr[i] * inv;
            if (pdw) local[i] += gr[i] * xhat;
            dot += gr[i] * pw[i] * xhat;
          }
          const scalar_t c = dot / d;
          scalar_t* dr = pdx + r * d;
          for (int64_t i = 0; i < d; ++i) dr[i] = inv * (gr[i] * pw[i] - xr[i] * inv * c);
        }
        if (!pdw) return;
        std::lock_guard<std::mutex> lock(dw_mutex);
        for (int64_t i = 0; i < d; ++i) pdw[i] += local[i];
      });
    });
    return {dx, dw, torch::Tensor()};
  }
};

// ---- SwiGLU ----------------------------------------------------------------------

struct SwiGlu : torch::autograd::Function<SwiGlu> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& gate_in, const torch::Tensor& up_in) {
    auto gate = gate_in.contiguous(), up = up_in.contiguous();
    auto y = torch::sigmoid(gate);  // ATen's vectorised exp; the rest in one pass, in place
    const int64_t n = gate.numel();
    AT_DISPATCH_FLOATING_TYPES(gate.scalar_type(), "fused_swiglu", [&] {
      const scalar_t *pg = gate.data_ptr<scalar_t>(), *pu = up.data_ptr<scalar_t>();
      scalar_t* py = y.data_ptr<scalar_t>();
      at::parallel_for(0, n, 16384, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) py[i] = pg[i] * py[i] * pu[i];
      });
    });
    ctx->save_for_backward({gate, up});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    const auto &gate = saved[0], &up = saved[1];
    auto dy = grad_out[0].contiguous();
    auto dgate = torch::sigmoid(gate), dup = torch::empty_like(up);  // dgate holds σ(g) until overwritten
    const int64_t n = gate.numel();
    AT_DISPATCH_FLOATING_TYPES(gate.scalar_type(), "fused_swiglu_backward", [&] {
      const scalar_t *pg = gate.data_ptr<scalar_t>(), *pu = up.data_ptr<scalar_t>(), *pdy = dy.data_ptr<scalar_t>();
      scalar_t *pdg = dgate.data_ptr<scalar_t>(), *pdu = dup.data_ptr<scalar_t>();
      at::parallel_for(0, n, 16384, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
          const scalar_t s = pdg[i], silu = pg[i] * s;
          pdu[i] = pdy[i] * silu;
          pdg[i] = pdy[i] * pu[i] * (s + silu * (1 - s));  // d silu = s·(1 + g·(1 - s))
        }
      });
    });
    return {dgate, dup};
  }
};

// ---- RoPE ------------------------------------------------------------------------

// y[b,h,t,:] = x[b,t,h,:]·c + rotate_half(x[b,t,h,:])·s with rotate_half(x) = (-x2, x1);
// transpose: dx[b,t,h,:] = dy·c + rotate_half^T(dy·s), rotate_half^T(z) = (z2, -z1).
template <typename scalar_t>
void rotate_rows(const scalar_t* src, scalar_t* dst, const scalar_t* c, const scalar_t* s, int64_t D, bool transpose) {
  const int64_t h = D / 2;
  if (!transpose) {
    for (int64_t i = 0; i < h; ++i) dst[i] = src[i] * c[i] - src[i + h] * s[i];
    for (int64_t i = h; i < D; ++i) dst[i] = src[i] * c[i] + src[i - h] * s[i];
  } else {
    for (int64_t i = 0; i < h; ++i) dst[i] = src[i] * c[i] + src[i + h] * s[i + h];
    for (int64_t i = h; i < D; ++i) dst[i] = src[i] * c[i] - src[i - h] * s[i - h];
  }
}

// from [B, T, H, D] to [B, H, T, D] (forward), or back (backward, transpose).
torch::Tensor rotary_pass(const torch::Tensor& in, const torch::Tensor& cos, const torch::Tensor& sin, bool backward) {
  const int64_t B = in.size(0), D = in.size(3);
  const int64_t T = backward ? in.size(2) : in.size(1), H = backward ? in.size(1) : in.size(2);
  auto out = backward ? torch::empty({B, T, H, D}, in.options()) : torch::empty({B, H, T, D}, in.options());
  AT_DISPATCH_FLOATING_TYPES(in.scalar_type(), "fused_rotary", [&] {
    const scalar_t *pin = in.data_ptr<scalar_t>(), *pc = cos.data_ptr<scalar_t>(), *ps = sin.data_ptr<scalar_t>();
    scalar_t* pout = out.data_ptr<scalar_t>();
    at::parallel_for(0, B * T, grain(H * D), [&](int64_t r0, int64_t r1) {
      for (int64_t bt = r0; bt < r1; ++bt) {
        const int64_t b = bt / T, t = bt % T;
        const scalar_t *c = pc + bt * D, *s = ps + bt * D;
        for (int64_t hh = 0; hh < H; ++hh) {
          const int64_t btHD = (bt * H + hh) * D, bhtD = ((b * H + hh) * T + t) * D;
          if (backward)
            rotate_rows(pin + bhtD, pout + btHD, c, s, D, true);
          else
            rotate_rows(pin + btHD, pout + bhtD, c, s, D, false);
        }
      }
    });
  });
  return out;
}

struct Rotary : torch::autograd::Function<Rotary> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& cos,
                               const torch::Tensor& sin) {
    auto c = cos.contiguous(), s = sin.contiguous();
    ctx->save_for_backward({c, s});
    return rotary_pass(x.contiguous(), c, s, false);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    return {rotary_pass(grad_out[0].contiguous(), saved[0], saved[1], true), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor fused_rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  // float32 only: the reference normalises in float32 whatever the input dtype
  if (!fusable(x) || x.scalar_type() != torch::kFloat32 || weight.scalar_type() != x.scalar_type() || weight.dim() != 1 || !weight.is_contiguous() ||
      x.size(-1) != weight.size(0))
    return {};
  return RmsNorm::apply(x, weight, eps);
}

torch::Tensor fused_swiglu(const torch::Tensor& gate, const torch::Tensor& up) {
  if (!fusable(gate) || up.scalar_type() != gate.scalar_type() || up.sizes() != gate.sizes()) return {};
  return SwiGlu::apply(gate, up);
}

torch::Tensor fused_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  if (!fusable(x) || x.dim() != 4 || cos.scalar_type() != x.scalar_type() || cos.dim() != 3 ||
      cos.size(0) != x.size(0) || cos.size(1) != x.size(1) || cos.size(2) != x.size(3) || x.size(3) % 2 != 0 ||
      cos.requires_grad() || sin.requires_grad())
    return {};
  return Rotary::apply(x, cos, sin);
}

}  // namespace ragforge::model
