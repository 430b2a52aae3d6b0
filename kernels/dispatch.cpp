#include <c10/cuda/CUDAStream.h>

#include "kernels/kernels.h"

namespace ragforge::kernels {

void axpy(float a, const torch::Tensor& x, torch::Tensor& y) {
  TORCH_CHECK(x.is_cuda() && y.is_cuda(), "axpy: tensors must be on CUDA");
  TORCH_CHECK(x.scalar_type() == torch::kFloat32 && y.scalar_type() == torch::kFloat32,
              "axpy: tensors must be float32");
  TORCH_CHECK(x.numel() == y.numel() && x.is_contiguous() && y.is_contiguous(),
              "axpy: tensors must be contiguous and of equal size");
  launch_axpy(a, x.data_ptr<float>(), y.data_ptr<float>(), x.numel(),
              c10::cuda::getCurrentCUDAStream().stream());
}

}  // namespace ragforge::kernels
