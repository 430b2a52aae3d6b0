#include "train/device_stats.h"

#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include "compat/torch_compat.h"

namespace ragforge::train {

double peak_memory_gib(const torch::Device& device) {
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  if (device.is_cuda()) {
    int64_t bytes = compat::cuda_peak_allocated_bytes(device.index() < 0 ? 0 : device.index());
    if (bytes >= 0) return static_cast<double>(bytes) / kGiB;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0 / kGiB;  // Linux reports KiB
}

double dense_bf16_peak_flops(const std::string& name) {
  auto has = [&](const char* s) { return name.find(s) != std::string::npos; };
  if (has("H200")) return 989e12;
  if (has("H100")) return has("PCIe") ? 756e12 : 989e12;
  if (has("A100")) return 312e12;
  return 0.0;
}

std::string nvidia_gpu_name() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = "/proc/driver/nvidia/gpus";
  if (!fs::is_directory(root, ec)) return "";
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    std::ifstream in(entry.path() / "information");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Model:", 0) != 0) continue;
      size_t start = line.find_first_not_of(" \t", 6);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

}  // namespace ragforge::train
