// linear(x, W, b)'s autograd graph without its values: backward gives the
// gradients of x, W and b as linear's would, but forward returns zeros of the
// output's shape instead of running the GEMM. For a checkpoint's replay,
// where backward needs only the graph of an output nothing reads
// (model/checkpoint.h).
#pragma once
#include <torch/torch.h>

namespace ragforge::lora {

torch::Tensor graph_only_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

}  // namespace ragforge::lora
