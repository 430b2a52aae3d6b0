#include "train/optimizer.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <iostream>

#include "core/error.h"
#include "train/adamw.h"
#include "train/adamw_8bit.h"

namespace ragforge::train {
namespace {

const char* const kOptimizerNames[] = {"adamw", "adamw_torch", "adamw_torch_fused", "adamw_8bit",
                                       "paged_adamw_8bit"};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void Optimizer::zero_grad() {
  for (auto& named : params_) {
    if (named.second.grad().defined()) named.second.mutable_grad().reset();
  }
}

// HF Trainer's get_decay_parameter_names: parameters of normalization layers
// and biases. In HF module names a norm module's path contains "norm"
// (input_layernorm, post_attention_layernorm, model.norm, q_norm, LayerNorm).
bool is_no_decay_parameter(const std::string& name) {
  if (name == "bias" || ends_with(name, ".bias")) return true;
  const auto dot = name.rfind('.');
  std::string module_path = dot == std::string::npos ? "" : name.substr(0, dot);
  std::transform(module_path.begin(), module_path.end(), module_path.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return module_path.find("norm") != std::string::npos;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config, NamedParameters params) {
  const auto& name = config.name;
  if (name == "adamw" || name == "adamw_torch" || name == "adamw_torch_fused") {
    return std::make_unique<AdamW>(config, std::move(params));
  }
  if (name == "paged_adamw_8bit") {
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true)) {
      std::cerr << "paged_adamw_8bit: paging is not implemented; using adamw_8bit" << std::endl;
    }
  }
  if (name == "adamw_8bit" || name == "paged_adamw_8bit") {
    return std::make_unique<AdamW8bit>(config, std::move(params));
  }
  std::string valid;
  for (const char* n : kOptimizerNames) valid += (valid.empty() ? "" : ", ") + std::string(n);
  throw Error("unknown optimizer '" + name + "'; valid names: " + valid);
}

}  // namespace ragforge::train
