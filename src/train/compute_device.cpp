#include "train/compute_device.h"

#include "compat/torch_compat.h"
#include "core/error.h"

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
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
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
