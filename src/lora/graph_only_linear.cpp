#include "lora/graph_only_linear.h"

namespace ragforge::lora {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct GraphOnlyLinear : torch::autograd::Function<GraphOnlyLinear> {
  // bias: empty or one tensor (an undefined tensor cannot be a graph input)
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               at::TensorList bias) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["has_bias"] = !bias.empty();
    auto shape = x.sizes().vec();
    shape.back() = weight.size(0);
    return torch::zeros(shape, x.options());  // zeros, not empty: later ops of the replay read it
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1];
    auto g = grad_out[0].reshape({-1, weight.size(0)});
    variable_list grads(ctx->saved_data["has_bias"].toBool() ? 3 : 2);
    if (ctx->needs_input_grad(0)) grads[0] = at::mm(g, weight).view(x.sizes());
    if (ctx->needs_input_grad(1)) grads[1] = at::mm(g.t(), x.reshape({-1, x.size(-1)}));
    if (grads.size() == 3 && ctx->needs_input_grad(2)) grads[2] = g.sum(0);
    return grads;
  }
};

}  // namespace

torch::Tensor graph_only_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  std::vector<torch::Tensor> b;
  if (bias.defined()) b.push_back(bias);
  return GraphOnlyLinear::apply(x, weight, at::TensorList(b));
}

}  // namespace ragforge::lora
