// Memory and MFU figures for sys/* metrics (conventions.md §5, §8).
#pragma once
#include <torch/torch.h>

#include <string>

namespace ragforge::train {

// Peak memory so far in GiB: CUDA max allocated bytes on a GPU device, the
// process's peak resident set on the CPU.
double peak_memory_gib(const torch::Device& device);

// Dense bf16 peak FLOP/s for a GPU model name (H100 SXM and H200 989e12, H100
// PCIe 756e12, A100 312e12); 0 when unknown. Never the 2:4-sparsity figure.
double dense_bf16_peak_flops(const std::string& gpu_name);
// The first NVIDIA GPU's model name from /proc/driver/nvidia, "" if none.
std::string nvidia_gpu_name();

}  // namespace ragforge::train
