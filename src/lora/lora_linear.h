// A Linear layer that can carry PEFT LoRA adapters (PEFT tuners/lora/layer.py):
//
//   y = base(x) + s · B(A(dropout(x))),   s = alpha / r, or alpha / sqrt(r) with rsLoRA
//
// Several named adapters may live on one layer; at most one is active. The
// parameter names follow PEFT's in-memory layout, so a model's
// named_parameters() read like PEFT's (minus the "base_model.model." prefix):
//   <path>.base_layer.weight, <path>.lora_A.<adapter>.weight, <path>.lora_B.<adapter>.weight
// The HF name of the base weight drops ".base_layer" (see hf_parameter_name).
//
// Shapes: in/out features, r rank; lora_A.weight [r, in], lora_B.weight [out, r].
// Adapter weights are float32 whatever the base dtype (PEFT's autocast_adapter_dtype).
#pragma once
#include <torch/torch.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace ragforge::lora {

struct LoRALinearOptions {
  LoRALinearOptions(int64_t in_features, int64_t out_features, int64_t r)
      : in_features_(in_features), out_features_(out_features), r_(r), alpha_(static_cast<double>(r)) {}
  double scaling() const;  // alpha / r, or alpha / sqrt(r) with rsLoRA
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, out_features);
  TORCH_ARG(int64_t, r);
  TORCH_ARG(double, alpha);
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, rslora) = false;
  // true: PEFT's init (A kaiming-uniform(a=sqrt(5)), B = 0); false: both zero (to be loaded)
  TORCH_ARG(bool, init_weights) = true;
};

class LoRALinearImpl : public torch::nn::Module {
 public:
  // The base layer alone, no adapter yet.
  LoRALinearImpl(int64_t in_features, int64_t out_features, bool bias);

  // x: [..., in] -> [..., out]
  torch::Tensor forward(const torch::Tensor& x);
  // forward's autograd graph, but the base layer's GEMM is skipped and its
  // share of the values is 0: for a checkpoint's replay, where nothing reads
  // this layer's output (graph_only_linear.h).
  torch::Tensor forward_graph_only(const torch::Tensor& x);

  // Adds adapter `name` (in/out features must match the base layer).
  void add_adapter(const std::string& name, const LoRALinearOptions& options);
  // PEFT modules_to_save: adapter `name` gets its own trainable copy of the
  // whole layer ("<path>.modules_to_save.<name>.weight"), used instead of the
  // base layer while `name` is active.
  void add_full_copy(const std::string& name);
  bool has_full_copy(const std::string& name) const { return copies_.count(name) > 0; }
  torch::nn::Linear full_copy(const std::string& name) const;
  void delete_adapter(const std::string& name);
  // New adapter `to` with a copy of `from`'s weights and options.
  void copy_adapter(const std::string& from, const std::string& to);
  bool has_adapter(const std::string& name) const { return options_.count(name) > 0 || copies_.count(name) > 0; }
  bool has_lora(const std::string& name) const { return options_.count(name) > 0; }
  std::vector<std::string> adapter_names() const;
  const LoRALinearOptions& adapter_options(const std::string& name) const;
  torch::nn::Linear adapter_A(const std::string& name) const;
  torch::nn::Linear adapter_B(const std::string& name) const;

  // "" deactivates every adapter. An unknown name is an error.
  void set_active_adapter(const std::string& name);
  const std::string& active_adapter() const { return active_; }

  // s · B·A [out, in] in float32.
  torch::Tensor delta_weight(const std::string& name) const;
  // W += s · B·A, then removes the adapter (PEFT merge_and_unload for one adapter).
  void merge_adapter(const std::string& name);

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }

  torch::nn::Linear base{nullptr};
  std::shared_ptr<torch::nn::Module> lora_A, lora_B;  // children named by adapter
  std::shared_ptr<torch::nn::Module> modules_to_save;  // full copies, named by adapter

 private:
  torch::Tensor forward_with(const torch::Tensor& x, bool base_values);

  int64_t in_, out_;
  std::map<std::string, LoRALinearOptions> options_;
  std::set<std::string> copies_;
  std::string active_;
};
TORCH_MODULE(LoRALinear);

}  // namespace ragforge::lora
