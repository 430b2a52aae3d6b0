// Fused RMSNorm, SwiGLU and RoPE with hand-written backward passes: one loop
// over the data each way instead of the 5-10 small ATen ops (and their saved
// intermediates) of the reference formulas in layers.cpp and rope.cpp, which
// stay the reference the tests compare these against.
//
// They run on contiguous CPU float32/float64 tensors; anything else (CUDA,
// half precision) gets an undefined result and the caller takes the
// reference path.
#pragma once
#include <torch/torch.h>

namespace ragforge::model {

// HF LlamaRMSNorm: weight * (x * rsqrt(mean(x²) + eps)); x [..., d], weight [d].
torch::Tensor fused_rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// silu(gate) * up, both [..., I] (views into one gate|up projection allowed).
torch::Tensor fused_swiglu(const torch::Tensor& gate, const torch::Tensor& up);

// RoPE of x [B, T, H, D] (the projection's layout) with cos, sin [B, T, D]:
// x·cos + rotate_half(x)·sin, returned as [B, H, T, D] (attention's layout).
torch::Tensor fused_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace ragforge::model
