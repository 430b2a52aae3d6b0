#include "train/compute_device.h"

#include "compat/torch_compat.h"
#include "core/error.h"

#include <algorithm>
#include <cstdlib>

namespace ragforge::train {
namespace {

// Probing says so before the model loads instead of failing inside the first forward.
bool cpu_has_float16_matmul() {
  try {
    torch::Tensor a = torch::ones({2, 2}, torch::kHalf);
    (void)a.mm(a);
    return true;
  } catch (const c10::Error&) {
    return false;
  }
}

}  // namespace

torch::Device default_device() {
  if (!torch::cuda::is_available()) return torch::Device(torch::kCPU);
  // Multi-process jobs (torchrun's LOCAL_RANK): one GPU per local rank; more
  // ranks than GPUs share them round-robin.
  const char* local = std::getenv("LOCAL_RANK");
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  const int64_t index = local && *local ? std::strtoll(local, nullptr, 10) % std::max<int64_t>(count, 1) : 0;
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

torch::Dtype weight_dtype(const PrecisionRequest& r, const torch::Device& device) {
  if (r.bf16 || r.torch_dtype == "bfloat16") return torch::kBFloat16;
  if (!r.fp16) return torch::kFloat32;
  if (device.is_cpu() && !cpu_has_float16_matmul()) {
    const std::string k = r.args_key;
    throw Error(k + ".fp16: LibTorch " + compat::torch_version() + " has no float16 matmul on CPU; on CPU set " + k +
                ".bf16=true (or " + k + ".fp16=false), or train fp16 on a GPU");
  }
  return torch::kFloat16;
}

}  // namespace ragforge::train
