// The one place where LibTorch version differences are handled. ragforge
// builds against Debian's LibTorch 1.13 (CPU) and pip's LibTorch 2.x (CUDA).
#pragma once
#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>

// Headers of c10_cuda ship with CPU builds too; only a CUDA LibTorch links it.
#if defined(RAGFORGE_WITH_CUDA) && RAGFORGE_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#define RAGFORGE_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||           \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace ragforge::compat {

// "1.13.0"; Debian's 1.13.1 package reports its upstream header version.
inline std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
         "." + std::to_string(TORCH_VERSION_PATCH);
}

// Fused scaled-dot-product attention exists from LibTorch 2.0 (an explicit
// `scale` from 2.1). Returns an undefined tensor where it is unavailable, and
// callers then run their own attention. q: [B, H, Tq, D], k, v: [B, H, Tk, D],
// mask: bool [B, 1|H, Tq, Tk] (true = attend) or undefined.
inline torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                                  const torch::Tensor& v, const torch::Tensor& mask,
                                                  bool is_causal, double scale) {
#if RAGFORGE_TORCH_AT_LEAST(2, 1)
  c10::optional<torch::Tensor> m;
  if (mask.defined()) m = mask;
  return at::scaled_dot_product_attention(q, k, v, m, 0.0, is_causal, scale);
#elif RAGFORGE_TORCH_AT_LEAST(2, 0)
  if (std::abs(scale * std::sqrt(static_cast<double>(q.size(-1))) - 1.0) > 1e-12) return {};
  c10::optional<torch::Tensor> m;
  if (mask.defined()) m = mask;
  return at::scaled_dot_product_attention(q, k, v, m, 0.0, is_causal);
#else
  (void)q, (void)k, (void)v, (void)mask, (void)is_causal, (void)scale;
  return {};
#endif
}
constexpr bool has_scaled_dot_product_attention() { return RAGFORGE_TORCH_AT_LEAST(2, 0); }

// Default generator state of a device (CPU or CUDA), for replaying random ops
// (dropout) when activation checkpointing recomputes a layer.
inline torch::Tensor generator_state(const torch::Device& device) {
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}
inline void set_generator_state(const torch::Device& device, const torch::Tensor& state) {
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

// torch.cuda.max_memory_allocated(device): peak bytes held by tensors; -1
// when this build has no CUDA. Stat index 0 is StatType::AGGREGATE in every
// version (the enum moved namespaces in 2.x).
inline int64_t cuda_peak_allocated_bytes(int device) {
#if defined(RAGFORGE_WITH_CUDA) && RAGFORGE_WITH_CUDA
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
  return static_cast<int64_t>(stats.allocated_bytes[0].peak);
#else
  (void)device;
  return -1;
#endif
}

// c10::Error::what() carries a C++ backtrace; users get the message alone.
inline std::string error_message(const c10::Error& e) { return e.what_without_backtrace(); }

}  // namespace ragforge::compat
