// `ragforge smoke`: proves LibTorch works here. A matmul whose answer is known
// exactly, on the CPU and, when present, on the GPU (plus our own CUDA kernel).
#include <chrono>
#include <iostream>

#include "core/error.h"
#include "runtime/job_registry.h"
#include "compat/torch_compat.h"

#ifdef RAGFORGE_WITH_CUDA
#include "kernels/kernels.h"
#endif

namespace ragforge::runtime {
namespace {

// A (n x n) of ones times B = diag(1..n): every row of the product is 1..n.
void check_matmul(const torch::Device& device, int64_t n) {
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto a = torch::ones({n, n}, opts);
  auto b = torch::diag(torch::arange(1, n + 1, opts));
  auto start = std::chrono::steady_clock::now();
  auto c = torch::mm(a, b).cpu();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  auto expected = torch::arange(1, n + 1, torch::kFloat32).expand({n, n});
  if (!torch::equal(c, expected))
    throw Error("smoke: matmul on " + device.str() + " gave a wrong result");
  std::cout << "smoke: " << n << "x" << n << " matmul on " << device.str() << " ok (" << ms
            << " ms)\n";
}

int run_smoke(const JobContext&) {
  check_matmul(torch::kCPU, 512);
#ifdef RAGFORGE_WITH_CUDA
  if (torch::cuda::is_available()) {
    check_matmul(torch::Device(torch::kCUDA, 0), 4096);
    auto x = torch::arange(0, 1 << 20, torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCUDA));
    auto y = torch::ones_like(x);
    kernels::axpy(2.0f, x, y);  // y = 2x + 1
    if (!torch::equal(y.cpu(), (x * 2 + 1).cpu()))
      throw Error("smoke: the axpy CUDA kernel gave a wrong result");
    std::cout << "smoke: CUDA kernel axpy ok\n";
  }
#endif
  return 0;
}

const JobRegistration reg("smoke", run_smoke);

}  // namespace
}  // namespace ragforge::runtime
