// Every CUDA kernel ragforge ships, behind Tensor-level wrappers. Each kernel
// has a plain LibTorch twin that tests compare it against.
#pragma once
#include <torch/torch.h>

namespace ragforge::kernels {

// y <- a * x + y, in place, on float32 CUDA tensors of equal size.
void axpy(float a, const torch::Tensor& x, torch::Tensor& y);

// Raw-pointer launcher (axpy.cu).
void launch_axpy(float a, const float* x, float* y, int64_t n, void* stream);

}  // namespace ragforge::kernels
