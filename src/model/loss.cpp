#include "model/loss.h"

#include "core/error.h"

namespace ragforge::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Shifted, flattened (hidden-or-logits rows, targets) at supervised positions.
std::pair<torch::Tensor, torch::Tensor> supervised(const torch::Tensor& x, const torch::Tensor& labels) {
  if (x.dim() != 3 || labels.dim() != 2 || x.size(0) != labels.size(0) || x.size(1) != labels.size(1))
    throw Error("causal LM loss: expected [B, T, *] activations and [B, T] labels");
  const int64_t T = x.size(1);
  auto rows = x.narrow(1, 0, T - 1).reshape({-1, x.size(2)});       // [B·(T-1), *]
  auto targets = labels.narrow(1, 1, T - 1).reshape({-1}).to(torch::kInt64);  // [B·(T-1)]
  auto keep = targets.ne(kIgnoreIndex).nonzero().squeeze(1);         // [N]
  return {rows.index_select(0, keep), targets.index_select(0, keep)};
}

struct ChunkedCE : torch::autograd::Function<ChunkedCE> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& h, const torch::Tensor& w,
                               const torch::Tensor& targets, double denominator, int64_t chunk) {
    const bool need_h = h.requires_grad(), need_w = w.requires_grad();
    const int64_t N = h.size(0);
    auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(h.device());
    auto total = torch::zeros({}, f32);
    torch::Tensor grad_h = need_h ? torch::empty_like(h) : torch::Tensor();
    torch::Tensor grad_w = need_w ? torch::zeros(w.sizes(), f32) : torch::Tensor();
    torch::Tensor w32 = need_h ? w.to(torch::kFloat32) : torch::Tensor();
    for (int64_t s = 0; s < N; s += chunk) {
      const int64_t n = std::min(chunk, N - s);
      auto hc = h.narrow(0, s, n);
      auto logits = torch::matmul(hc, w.t()).to(torch::kFloat32);  // [n, V]
      auto tc = targets.narrow(0, s, n);
      auto lse = torch::logsumexp(logits, -1);                     // [n]
      auto picked = logits.gather(1, tc.unsqueeze(1)).squeeze(1);  // [n]
      total += (lse - picked).sum();
      if (need_h || need_w) {
        auto g = logits.sub_(lse.unsqueeze(1)).exp_();               // softmax [n, V], in place
        g.scatter_add_(1, tc.unsqueeze(1), torch::full({n, 1}, -1.0, f32));
        g.div_(denominator);
        if (need_h) grad_h.narrow(0, s, n).copy_(torch::matmul(g, w32));
        if (need_w) grad_w.add_(torch::matmul(g.t(), hc.to(torch::kFloat32)));
      }
    }
    ctx->save_for_backward({grad_h, need_w ? grad_w.to(w.scalar_type()) : grad_w});
    return total / denominator;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    auto g = grad_out[0];
    // loss.backward() seeds 1: the saved gradients are the answer (no 16 MB multiply for the head)
    const bool unit = g.numel() == 1 && g.item<double>() == 1.0;
    variable_list result(5);
    for (int i = 0; i < 2; ++i)
      if (saved[i].defined()) result[i] = unit ? saved[i] : saved[i] * g.to(saved[i].scalar_type());
    return result;
  }
};

}  // namespace

torch::Tensor causal_lm_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  auto [rows, targets] = supervised(logits, labels);
  if (targets.numel() == 0) return (logits.sum() * 0).to(torch::kFloat32);
  return torch::nn::functional::cross_entropy(
      rows.to(torch::kFloat32), targets,
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kMean));
}

torch::Tensor chunked_linear_cross_entropy(const torch::Tensor& hidden, const torch::Tensor& head_weight,
                                           const torch::Tensor& targets, double denominator, int64_t chunk) {
  if (chunk <= 0) throw Error("chunked cross-entropy: chunk_tokens must be positive");
  return ChunkedCE::apply(hidden, head_weight, targets, denominator, chunk);
}

torch::Tensor chunked_causal_lm_loss(const torch::Tensor& hidden, const torch::Tensor& head_weight,
                                     const torch::Tensor& labels, int64_t chunk_tokens) {
  auto [rows, targets] = supervised(hidden, labels);
  if (targets.numel() == 0) return (hidden.sum() * 0).to(torch::kFloat32) + (head_weight.sum() * 0).to(torch::kFloat32);
  return chunked_linear_cross_entropy(rows, head_weight, targets, static_cast<double>(targets.numel()), chunk_tokens);
}

}  // namespace ragforge::model
