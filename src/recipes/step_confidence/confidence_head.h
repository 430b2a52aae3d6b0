// The step-confidence head (recipes.md §4.2): an MLP from a hidden state at a
// <CONFIDENCE> marker to a confidence in [0, 1],
//   Linear(d→h1) → act → Dropout → Linear(h1→h2) → act → Dropout → Linear(h2→1) → sigmoid,
// Xavier-uniform weights (gain 0.01) and zero biases. Parameter names follow
// the original's nn.Sequential ("mlp.0.weight", "mlp.3.weight", "mlp.6.weight"
// for two hidden layers), so its mlp_head files map one to one.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace ragforge::recipes::step_confidence {

struct ConfidenceHeadOptions {
  int64_t input_dim = 0;                      // the backbone's hidden_size
  std::vector<int64_t> hidden_dims = {1024, 256};
  double dropout = 0.1;
  std::string activation = "gelu";            // gelu (erf) | relu | tanh | silu
};

class ConfidenceHeadImpl : public torch::nn::Module {
 public:
  explicit ConfidenceHeadImpl(const ConfidenceHeadOptions& options);
  // [..., d] -> [...] in (0, 1), computed in the head's dtype.
  torch::Tensor forward(const torch::Tensor& features);
  // Xavier-uniform (gain 0.01) weights, zero biases.
  void reset_parameters();

  torch::nn::Sequential mlp{nullptr};
};
TORCH_MODULE(ConfidenceHead);

// Σ (in·out + out) over the layers: 2,885,121 for d = 2560 and [1024, 256].
int64_t confidence_head_parameter_count(int64_t input_dim, const std::vector<int64_t>& hidden_dims);

// The marker states [B, S, d] gathered from hidden [B, T, d] at positions
// [B, S]; rows at position -1 are zero.
torch::Tensor gather_marker_states(const torch::Tensor& hidden, const torch::Tensor& positions);

// mean (p - y)² in fp32 over the valid steps (label >= 0 and position >= 0);
// 0 with no valid step. Also returns the number of valid steps.
std::pair<torch::Tensor, int64_t> masked_mse(const torch::Tensor& predictions, const torch::Tensor& labels,
                                             const torch::Tensor& positions);

}  // namespace ragforge::recipes::step_confidence
