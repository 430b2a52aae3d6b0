// Optimizers of the training loop (conventions.md §10): AdamW with decoupled
// weight decay and fp32 moments, and 8-bit AdamW with blockwise-quantized
// moments (bitsandbytes' scheme). Weight-decay groups follow HF: biases and
// norm weights get no decay unless decay_all.
//
//   auto opt = train::make_optimizer(cfg, recipe.trainable_parameters());
//   loss.backward();  opt->step(lr);  opt->zero_grad();
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ragforge::train {

using NamedParameters = std::vector<std::pair<std::string, torch::Tensor>>;

struct OptimizerConfig {
  std::string name = "adamw";  // adamw|adamw_torch|adamw_torch_fused|adamw_8bit|paged_adamw_8bit
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  bool decay_all = false;             // decay biases and norm weights too
  bool fp32_master_weights = false;   // bf16/fp16 parameters updated through an fp32 copy
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter with a gradient, at learning rate lr.
  virtual void step(double lr) = 0;
  void zero_grad();  // drops the gradients (set to undefined, as set_to_none)
  // Everything needed for an exact resume (moments, 8-bit codes and absmax,
  // master weights, step counts), as named tensors for a safetensors file.
  virtual std::map<std::string, torch::Tensor> state_dict() const = 0;
  // Errors name the missing or mis-shaped entry.
  virtual void load_state_dict(const std::map<std::string, torch::Tensor>& state) = 0;
  const NamedParameters& parameters() const { return params_; }

 protected:
  NamedParameters params_;
};

// Throws ragforge::Error for an unknown name, listing the valid ones.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config, NamedParameters params);

// HF's rule: no decay for biases and normalization weights.
bool is_no_decay_parameter(const std::string& name);

}  // namespace ragforge::train
