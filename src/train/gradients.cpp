#include "train/gradients.h"

#include <vector>

namespace ragforge::train {

double global_grad_norm(const NamedParameters& params) {
  std::vector<torch::Tensor> norms;
  torch::Device device = torch::kCPU;
  for (const auto& [name, p] : params) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (norms.empty()) device = g.device();
    norms.push_back(g.detach().to(torch::kFloat32).norm(2).to(device));
  }
  if (norms.empty()) return 0.0;
  return torch::stack(norms).norm(2).item<double>();
}

void scale_grads(const NamedParameters& params, double factor) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, p] : params) {
    torch::Tensor g = p.grad();
    if (g.defined()) g.mul_(factor);
  }
}

void clip_grads(const NamedParameters& params, double norm, double max_norm) {
  if (max_norm <= 0) return;
  double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) scale_grads(params, coef);
}

std::map<std::string, double> per_parameter_grad_norms(const NamedParameters& params) {
  std::map<std::string, double> out;
  for (const auto& [name, p] : params) {
    const torch::Tensor& g = p.grad();
    if (g.defined()) out[name] = g.detach().to(torch::kFloat32).norm(2).item<double>();
  }
  return out;
}

}  // namespace ragforge::train
