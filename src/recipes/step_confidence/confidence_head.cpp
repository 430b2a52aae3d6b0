#include "recipes/step_confidence/confidence_head.h"

#include "core/error.h"

namespace ragforge::recipes::step_confidence {

ConfidenceHeadImpl::ConfidenceHeadImpl(const ConfidenceHeadOptions& o) {
  if (o.input_dim <= 0) throw Error("confidence head: input_dim must be > 0 (the backbone's hidden_size)");
  mlp = torch::nn::Sequential();
  int64_t in = o.input_dim;
  for (int64_t h : o.hidden_dims) {
    mlp->push_back(torch::nn::Linear(in, h));
    if (o.activation == "gelu") mlp->push_back(torch::nn::GELU());
    else if (o.activation == "relu") mlp->push_back(torch::nn::ReLU());
    else if (o.activation == "tanh") mlp->push_back(torch::nn::Tanh());
    else if (o.activation == "silu") mlp->push_back(torch::nn::SiLU());
    else throw Error("confidence head: activation '" + o.activation + "' is not one of gelu, relu, tanh, silu");
    mlp->push_back(torch::nn::Dropout(o.dropout));
    in = h;
  }
  mlp->push_back(torch::nn::Linear(in, 1));
  register_module("mlp", mlp);
  reset_parameters();
}

void ConfidenceHeadImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  for (auto& m : mlp->modules(/*include_self=*/false))
    if (auto* linear = m->as<torch::nn::Linear>()) {
      torch::nn::init::xavier_uniform_(linear->weight, 0.01);
      torch::nn::init::zeros_(linear->bias);
    }
}

torch::Tensor ConfidenceHeadImpl::forward(const torch::Tensor& features) {
  return torch::sigmoid(mlp->forward(features)).squeeze(-1);
}

int64_t confidence_head_parameter_count(int64_t input_dim, const std::vector<int64_t>& hidden_dims) {
  int64_t total = 0, in = input_dim;
  for (int64_t h : hidden_dims) {
    total += in * h + h;
    in = h;
  }
  return total + in + 1;
}

torch::Tensor gather_marker_states(const torch::Tensor& hidden, const torch::Tensor& positions) {
  const auto valid = positions.ge(0);
  const auto index = positions.clamp_min(0).unsqueeze(-1).expand({-1, -1, hidden.size(-1)});
  return hidden.gather(1, index) * valid.unsqueeze(-1).to(hidden.scalar_type());
}

std::pair<torch::Tensor, int64_t> masked_mse(const torch::Tensor& predictions, const torch::Tensor& labels,
                                             const torch::Tensor& positions) {
  const auto valid = labels.ge(0).logical_and(positions.ge(0));
  const int64_t n = valid.sum().item<int64_t>();
  const auto diff = (predictions.to(torch::kFloat32) - labels.to(torch::kFloat32)) * valid.to(torch::kFloat32);
  if (n == 0) return {diff.sum() * 0.0, 0};  // keeps the graph; loss 0, never NaN
  return {diff.pow(2).sum() / static_cast<double>(n), n};
}

}  // namespace ragforge::recipes::step_confidence
