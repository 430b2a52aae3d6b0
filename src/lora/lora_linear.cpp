#include "lora/lora_linear.h"

#include <cmath>

#include "core/error.h"
#include "lora/graph_only_linear.h"

namespace ragforge::lora {

double LoRALinearOptions::scaling() const {
  return rslora_ ? alpha_ / std::sqrt(static_cast<double>(r_)) : alpha_ / static_cast<double>(r_);
}

LoRALinearImpl::LoRALinearImpl(int64_t in_features, int64_t out_features, bool bias)
    : in_(in_features), out_(out_features) {
  base = register_module("base_layer",
                         torch::nn::Linear(torch::nn::LinearOptions(in_features, out_features).bias(bias)));
  lora_A = register_module("lora_A", std::make_shared<torch::nn::Module>());
  lora_B = register_module("lora_B", std::make_shared<torch::nn::Module>());
  modules_to_save = register_module("modules_to_save", std::make_shared<torch::nn::Module>());
}

torch::Tensor LoRALinearImpl::forward(const torch::Tensor& x) { return forward_with(x, true); }

torch::Tensor LoRALinearImpl::forward_graph_only(const torch::Tensor& x) { return forward_with(x, false); }

torch::Tensor LoRALinearImpl::forward_with(const torch::Tensor& x, bool base_values) {
  if (!active_.empty() && copies_.count(active_)) return full_copy(active_)->forward(x);
  torch::Tensor y = base_values ? base->forward(x) : graph_only_linear(x, base->weight, base->bias);
  if (active_.empty() || !options_.count(active_)) return y;
  const LoRALinearOptions& o = options_.at(active_);
  auto A = adapter_A(active_), B = adapter_B(active_);
  torch::Tensor xa = x.to(A->weight.scalar_type());
  if (o.dropout() > 0 && is_training()) xa = torch::dropout(xa, o.dropout(), true);
  torch::Tensor xa_r = A->forward(xa);  // [..., r]
  if (xa_r.scalar_type() == y.scalar_type()) {
    // y + scaling·(xa_r Bᵀ) as one GEMM that accumulates into y (no scaled
    // [..., out] temporary, no separate add, and one backward node).
    auto rows = xa_r.reshape({-1, xa_r.size(-1)});
    return torch::addmm(y.reshape({-1, y.size(-1)}), rows, B->weight.t(), 1, o.scaling()).view(y.sizes());
  }
  torch::Tensor delta = B->forward(xa_r) * o.scaling();  // [..., out]
  return (y.to(delta.scalar_type()) + delta).to(y.scalar_type());  // PEFT adds, then casts back
}

void LoRALinearImpl::add_adapter(const std::string& name, const LoRALinearOptions& o) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw Error("LoRA adapter name '" + name + "' must be non-empty and contain no '.'");
  if (has_adapter(name)) throw Error("LoRA adapter '" + name + "' already exists on this layer");
  if (o.in_features() != in_ || o.out_features() != out_)
    throw Error("LoRA adapter '" + name + "' is " + std::to_string(o.in_features()) + "->" +
                std::to_string(o.out_features()) + " but the layer is " + std::to_string(in_) + "->" +
                std::to_string(out_));
  if (o.r() <= 0) throw Error("LoRA rank r must be positive (adapter '" + name + "')");
  auto dev = base->weight.device();
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(dev);
  torch::nn::Linear A(torch::nn::LinearOptions(in_, o.r()).bias(false));
  torch::nn::Linear B(torch::nn::LinearOptions(o.r(), out_).bias(false));
  A->to(f32.device(), torch::kFloat32);
  B->to(f32.device(), torch::kFloat32);
  {
    torch::NoGradGuard no_grad;
    if (o.init_weights()) {
      torch::nn::init::kaiming_uniform_(A->weight, std::sqrt(5.0));
    } else {
      A->weight.zero_();
    }
    B->weight.zero_();
  }
  lora_A->register_module(name, A);
  lora_B->register_module(name, B);
  options_.emplace(name, o);
}

void LoRALinearImpl::add_full_copy(const std::string& name) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw Error("adapter name '" + name + "' must be non-empty and contain no '.'");
  if (has_adapter(name)) throw Error("adapter '" + name + "' already exists on this layer");
  torch::nn::Linear copy(torch::nn::LinearOptions(in_, out_).bias(base->bias.defined()));
  copy->to(base->weight.device(), base->weight.scalar_type());
  {
    torch::NoGradGuard no_grad;
    copy->weight.copy_(base->weight);
    if (base->bias.defined()) copy->bias.copy_(base->bias);
  }
  modules_to_save->register_module(name, copy);
  copies_.insert(name);
}

torch::nn::Linear LoRALinearImpl::full_copy(const std::string& name) const {
  if (!copies_.count(name)) throw Error("adapter '" + name + "' has no modules_to_save copy of this layer");
  return torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(modules_to_save->named_children()[name]));
}

void LoRALinearImpl::delete_adapter(const std::string& name) {
  if (!has_adapter(name)) throw Error("no LoRA adapter '" + name + "' to delete");
  if (options_.count(name)) {
    lora_A->unregister_module(name);
    lora_B->unregister_module(name);
    options_.erase(name);
  }
  if (copies_.count(name)) {
    modules_to_save->unregister_module(name);
    copies_.erase(name);
  }
  if (active_ == name) active_.clear();
}

void LoRALinearImpl::copy_adapter(const std::string& from, const std::string& to) {
  if (!has_adapter(from)) throw Error("no LoRA adapter '" + from + "' on this layer");
  torch::NoGradGuard no_grad;
  if (copies_.count(from)) {
    add_full_copy(to);
    for (const auto& p : full_copy(from)->named_parameters()) {
      auto& dst = full_copy(to)->named_parameters()[p.key()];
      dst.copy_(p.value());
      dst.set_requires_grad(p.value().requires_grad());
    }
    return;
  }
  LoRALinearOptions o = adapter_options(from);
  add_adapter(to, o);
  adapter_A(to)->weight.copy_(adapter_A(from)->weight);
  adapter_B(to)->weight.copy_(adapter_B(from)->weight);
  adapter_A(to)->weight.set_requires_grad(adapter_A(from)->weight.requires_grad());
  adapter_B(to)->weight.set_requires_grad(adapter_B(from)->weight.requires_grad());
}

std::vector<std::string> LoRALinearImpl::adapter_names() const {
  std::set<std::string> out(copies_.begin(), copies_.end());
  for (const auto& [n, o] : options_) out.insert(n);
  return {out.begin(), out.end()};
}

const LoRALinearOptions& LoRALinearImpl::adapter_options(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) throw Error("no LoRA adapter '" + name + "' on this layer");
  return it->second;
}

torch::nn::Linear LoRALinearImpl::adapter_A(const std::string& name) const {
  adapter_options(name);
  return torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(lora_A->named_children()[name]));
}

torch::nn::Linear LoRALinearImpl::adapter_B(const std::string& name) const {
  adapter_options(name);
  return torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(lora_B->named_children()[name]));
}

void LoRALinearImpl::set_active_adapter(const std::string& name) {
  if (!name.empty() && !has_adapter(name)) throw Error("no LoRA adapter '" + name + "' on this layer");
  active_ = name;
}

torch::Tensor LoRALinearImpl::delta_weight(const std::string& name) const {
  const LoRALinearOptions& o = adapter_options(name);
  return torch::matmul(adapter_B(name)->weight, adapter_A(name)->weight) * o.scaling();  // [out, in]
}

void LoRALinearImpl::merge_adapter(const std::string& name) {
  torch::NoGradGuard no_grad;
  if (copies_.count(name)) {  // the trained copy becomes the layer
    base->weight.copy_(full_copy(name)->weight);
    if (base->bias.defined()) base->bias.copy_(full_copy(name)->bias);
    delete_adapter(name);
    return;
  }
  torch::Tensor delta = delta_weight(name);
  base->weight.add_(delta.to(base->weight.scalar_type()));
  delete_adapter(name);
}

}  // namespace ragforge::lora
