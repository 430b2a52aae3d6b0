#include "train/rng_state.h"

#include <iostream>

#include "core/error.h"
#include "compat/torch_compat.h"

namespace ragforge::train {

std::map<std::string, torch::Tensor> capture_rng_state() {
  std::map<std::string, torch::Tensor> state;
  state["cpu"] = compat::generator_state(torch::kCPU).clone();
  if (torch::cuda::is_available()) {
    for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i) {
      torch::Device device(torch::kCUDA, static_cast<c10::DeviceIndex>(i));
      state["cuda:" + std::to_string(i)] = compat::generator_state(device).clone();
    }
  }
  return state;
}

void restore_rng_state(const std::map<std::string, torch::Tensor>& all, int rank) {
  const std::string own = "rank" + std::to_string(rank) + "/";
  std::map<std::string, torch::Tensor> state;
  for (const auto& [name, tensor] : all)
    if (rank > 0 && name.rfind(own, 0) == 0) state[name.substr(own.size())] = tensor;
  if (state.empty())
    for (const auto& [name, tensor] : all)
      if (name.rfind("rank", 0) != 0) state[name] = tensor;
  for (const auto& [name, tensor] : state) {
    torch::Tensor bytes = tensor.to(torch::kCPU, torch::kUInt8).contiguous();
    if (name == "cpu") {
      compat::set_generator_state(torch::kCPU, bytes);
      continue;
    }
    if (name.rfind("cuda:", 0) != 0) throw Error("rng state: unknown generator '" + name + "'");
    int64_t index = std::stoll(name.substr(5));
    if (!torch::cuda::is_available() || index >= static_cast<int64_t>(torch::cuda::device_count())) {
      // Resuming a GPU run elsewhere: everything else is exact, so go on.
      std::cerr << "warning: the checkpoint holds the random state of " << name
                << ", which this machine lacks; that generator keeps its seed\n";
      continue;
    }
    compat::set_generator_state(torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index)), bytes);
  }
}

}  // namespace ragforge::train
