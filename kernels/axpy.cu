// y <- a * x + y: the simplest kernel, used by `ragforge smoke` to prove the
// CUDA toolchain, the launch path and the stream plumbing work end to end.
#include <cuda_runtime.h>
#include <cstdint>

namespace ragforge::kernels {
namespace {
__global__ void axpy_kernel(float a, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}
}  // namespace

void launch_axpy(float a, const float* x, float* y, int64_t n, void* stream) {
  constexpr int threads = 256;
  int64_t blocks = (n + threads - 1) / threads;
  axpy_kernel<<<static_cast<unsigned>(blocks), threads, 0, static_cast<cudaStream_t>(stream)>>>(a, x, y, n);
}
}  // namespace ragforge::kernels
