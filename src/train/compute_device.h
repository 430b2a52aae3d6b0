// The device and the weight dtype a job runs with, chosen by one rule for
// every recipe: the GPU when this LibTorch sees one, bf16/fp16 when the
// config asks, and a clear error where this LibTorch cannot run the choice.
#pragma once
#include <torch/torch.h>

#include <string>

namespace ragforge::train {

// The CUDA device LOCAL_RANK (mod the GPU count; 0 without it) when
// available, else the CPU.
torch::Device default_device();

struct PrecisionRequest {
  bool bf16 = false, fp16 = false;  // TrainingArguments' flags
  std::string torch_dtype;          // the model node's torch_dtype ("", "auto", "bfloat16", "float32")
  std::string args_key = "train";   // where the flags live in the config, for errors ("train", "training")
};

// bf16 when asked (flag or torch_dtype), else fp16 when asked (the trainer
// adds loss scaling), else fp32. fp16 on a CPU whose LibTorch has no fp16
// matmul (Debian's 1.13) throws an Error saying what to set instead.
torch::Dtype weight_dtype(const PrecisionRequest& request, const torch::Device& device);

}  // namespace ragforge::train
