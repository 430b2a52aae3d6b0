#include "train/adamw.h"

#include <utility>

namespace ragforge::train {

AdamW::AdamW(const OptimizerConfig& config, NamedParameters params)
    : config_(config), slots_(detail::make_slots(config, params)) {
  params_ = std::move(params);
  auto fp32 = [](const torch::Tensor& p) {
    return torch::zeros(p.sizes(), p.options().dtype(torch::kFloat));
  };
  for (const auto& slot : slots_) moments_.push_back({fp32(slot.param), fp32(slot.param)});
}

void AdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < slots_.size(); ++i) {
    auto& slot = slots_[i];
    if (!slot.param.grad().defined()) continue;
    ++slot.step;
    const int64_t n = slot.param.numel();
    auto target = detail::fp32_window(slot, 0, n);
    auto grad = detail::flat_grad(slot).to(torch::kFloat);
    detail::adamw_update(target, grad, moments_[i].exp_avg.view({-1}),
                         moments_[i].exp_avg_sq.view({-1}), slot.step, lr, slot.weight_decay,
                         config_);
    detail::commit(slot, target, 0, n);
  }
}

std::map<std::string, torch::Tensor> AdamW::state_dict() const {
  std::map<std::string, torch::Tensor> out;
  for (size_t i = 0; i < slots_.size(); ++i) {
    detail::put_slot_state(slots_[i], out);
    out[slots_[i].name + ".exp_avg"] = moments_[i].exp_avg;
    out[slots_[i].name + ".exp_avg_sq"] = moments_[i].exp_avg_sq;
  }
  return out;
}

void AdamW::load_state_dict(const std::map<std::string, torch::Tensor>& state) {
  detail::StateLoader loader(state);
  for (size_t i = 0; i < slots_.size(); ++i) {
    detail::expect_slot_state(slots_[i], loader);
    loader.expect(slots_[i].name + ".exp_avg", moments_[i].exp_avg);
    loader.expect(slots_[i].name + ".exp_avg_sq", moments_[i].exp_avg_sq);
  }
  loader.apply();
}

}  // namespace ragforge::train
