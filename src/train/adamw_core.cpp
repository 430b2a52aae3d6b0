#include "train/adamw_core.h"

#include <cmath>
#include <sstream>

#include "core/error.h"

namespace ragforge::train::detail {
namespace {

std::string describe(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.dtype() << " " << t.sizes();
  return out.str();
}

bool is_low_precision(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 || t.scalar_type() == torch::kHalf;
}

void check_hyper_parameters(const OptimizerConfig& c) {
  auto fail = [&](const std::string& what) {
    throw Error("optimizer '" + c.name + "': " + what);
  };
  if (!(c.beta1 >= 0.0 && c.beta1 < 1.0)) fail("beta1 must lie in [0, 1), got " + std::to_string(c.beta1));
  if (!(c.beta2 >= 0.0 && c.beta2 < 1.0)) fail("beta2 must lie in [0, 1), got " + std::to_string(c.beta2));
  if (!(c.eps >= 0.0)) fail("eps must be >= 0, got " + std::to_string(c.eps));
  if (!(c.weight_decay >= 0.0)) fail("weight_decay must be >= 0, got " + std::to_string(c.weight_decay));
}

}  // namespace

std::vector<ParamSlot> make_slots(const OptimizerConfig& config, const NamedParameters& params) {
  check_hyper_parameters(config);
  std::vector<ParamSlot> slots;
  std::map<std::string, bool> names;
  std::map<const void*, std::string> impls;  // the same tensor listed twice would be updated twice
  for (const auto& entry : params) {
    const std::string& name = entry.first;  // not a structured binding: the lambda captures it
    const torch::Tensor& p = entry.second;
    auto fail = [&](const std::string& what) {
      throw Error("optimizer: trainable parameter '" + name + "' " + what);
    };
    if (!p.defined()) fail("is undefined");
    if (!p.is_floating_point()) fail("is not floating point (" + describe(p) + ")");
    if (!p.is_contiguous()) fail("is not contiguous; call .contiguous() when building the module");
    if (!names.emplace(name, true).second) fail("is listed twice");
    auto [it, fresh] = impls.emplace(p.unsafeGetTensorImpl(), name);
    if (!fresh) fail("is the same tensor as '" + it->second + "'; list tied weights once");
    ParamSlot slot;
    slot.name = name;
    slot.param = p;
    slot.weight_decay = (config.decay_all || !is_no_decay_parameter(name)) ? config.weight_decay : 0.0;
    if (config.fp32_master_weights && is_low_precision(p)) {
      slot.master = p.detach().to(torch::kFloat).clone();
    }
    slots.push_back(std::move(slot));
  }
  return slots;
}

torch::Tensor flat_grad(const ParamSlot& slot) {
  return slot.param.grad().reshape({-1});
}

torch::Tensor fp32_window(const ParamSlot& slot, int64_t begin, int64_t end) {
  torch::NoGradGuard no_grad;
  if (slot.master.defined()) return slot.master.view({-1}).slice(0, begin, end);
  auto flat = slot.param.detach().view({-1}).slice(0, begin, end);
  return flat.scalar_type() == torch::kFloat ? flat : flat.to(torch::kFloat);
}

void commit(const ParamSlot& slot, const torch::Tensor& window, int64_t begin, int64_t end) {
  if (slot.param.scalar_type() == torch::kFloat && !slot.master.defined()) return;  // updated in place
  torch::NoGradGuard no_grad;
  slot.param.detach().view({-1}).slice(0, begin, end).copy_(window);
}

void adamw_update(const torch::Tensor& target, const torch::Tensor& grad,
                  const torch::Tensor& exp_avg, const torch::Tensor& exp_avg_sq, int64_t step,
                  double lr, double weight_decay, const OptimizerConfig& config) {
  torch::NoGradGuard no_grad;
  if (weight_decay != 0.0) target.mul_(1 - lr * weight_decay);
  const double bias_correction1 = 1 - std::pow(config.beta1, static_cast<double>(step));
  const double bias_correction2 = 1 - std::pow(config.beta2, static_cast<double>(step));
  exp_avg.mul_(config.beta1).add_(grad, 1 - config.beta1);
  exp_avg_sq.mul_(config.beta2).addcmul_(grad, grad, 1 - config.beta2);
  auto denom = (exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(config.eps);
  const double step_size = lr / bias_correction1;
  target.addcdiv_(exp_avg, denom, -step_size);
}

void put_slot_state(const ParamSlot& slot, std::map<std::string, torch::Tensor>& out) {
  out[slot.name + ".step"] = torch::full({}, slot.step, torch::kLong);
  if (slot.master.defined()) out[slot.name + ".master"] = slot.master;
}

void expect_slot_state(ParamSlot& slot, StateLoader& loader) {
  loader.expect_step(slot.name + ".step", &slot.step);
  if (slot.master.defined()) loader.expect(slot.name + ".master", slot.master);
}

const torch::Tensor& StateLoader::find(const std::string& key) const {
  auto it = state_.find(key);
  if (it == state_.end()) {
    throw Error("optimizer state: missing entry '" + key +
                "'; the checkpoint was written by another optimizer, other trainable parameters "
                "or another fp32_master_weights setting");
  }
  return it->second;
}

void StateLoader::expect(const std::string& key, const torch::Tensor& dst) {
  const auto& src = find(key);
  if (src.scalar_type() != dst.scalar_type() || src.sizes() != dst.sizes()) {
    throw Error("optimizer state: entry '" + key + "' is " + describe(src) + ", expected " +
                describe(dst) + "; the checkpoint does not match this optimizer or model");
  }
  used_[key] = true;
  copies_.emplace_back(&src, dst);
}

void StateLoader::expect_step(const std::string& key, int64_t* dst) {
  const auto& src = find(key);
  if (src.scalar_type() != torch::kLong || src.numel() != 1) {
    throw Error("optimizer state: entry '" + key + "' is " + describe(src) +
                ", expected an int64 scalar step count");
  }
  const int64_t value = src.item<int64_t>();
  if (value < 0) throw Error("optimizer state: entry '" + key + "' is negative");
  used_[key] = true;
  steps_.emplace_back(value, dst);
}

void StateLoader::apply() {
  for (const auto& [key, tensor] : state_) {
    if (!used_.count(key)) {
      throw Error("optimizer state: unexpected entry '" + key +
                  "'; the checkpoint was written by another optimizer or for other trainable "
                  "parameters");
    }
  }
  torch::NoGradGuard no_grad;
  for (auto& [src, dst] : copies_) dst.copy_(*src);
  for (auto& [value, dst] : steps_) *dst = value;
}

}  // namespace ragforge::train::detail
