// Helpers for the optimizer tests: a regression problem with a deterministic
// gradient, and temporary directories.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp
#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "train/optimizer.h"

namespace ragforge::train::testing {

// y = x·Wᵀ + b fitted by mean squared error. X: [B, in], Y: [B, out].
struct Regression {
  torch::Tensor x, y;
  Regression(int64_t batch, int64_t in, int64_t out, uint64_t seed) {
    torch::manual_seed(seed);
    x = torch::randn({batch, in});
    auto w_true = torch::randn({out, in}) * 0.2;
    auto b_true = torch::randn({out});
    y = torch::matmul(x, w_true.t()) + b_true;
  }
  torch::Tensor loss(const torch::Tensor& w, const torch::Tensor& b) const {
    auto pred = torch::matmul(x, w.to(torch::kFloat).t()) + b.to(torch::kFloat);
    return torch::mse_loss(pred, y);
  }
};

// Weight [out, in] and bias [out] as leaf parameters, seeded.
inline NamedParameters linear_parameters(int64_t in, int64_t out, uint64_t seed,
                                         torch::Dtype dtype = torch::kFloat) {
  torch::manual_seed(seed);
  auto w = (torch::randn({out, in}) * 0.05).to(dtype).set_requires_grad(true);
  auto b = torch::zeros({out}, torch::TensorOptions().dtype(dtype)).set_requires_grad(true);
  return {{"model.layers.0.mlp.down_proj.weight", w}, {"model.layers.0.mlp.down_proj.bias", b}};
}

// Deep copies that do not share storage with the originals.
inline NamedParameters clone_parameters(const NamedParameters& params) {
  NamedParameters out;
  for (const auto& [name, p] : params) {
    out.emplace_back(name, p.detach().clone().set_requires_grad(true));
  }
  return out;
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

inline std::string make_temp_dir(const std::string& stem) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return tmpl;
}

}  // namespace ragforge::train::testing
