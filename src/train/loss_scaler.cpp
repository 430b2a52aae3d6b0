#include "train/loss_scaler.h"

#include <cmath>
#include <vector>

#include "core/error.h"

namespace ragforge::train {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw Error("loss scaler: " + what);
}

}  // namespace

LossScaler::LossScaler(LossScalerOptions options) : options_(options), scale_(static_cast<float>(options.init_scale)) {
  if (!options_.enabled) return;  // GradScaler checks its arguments only when enabled
  require(options_.init_scale > 0 && std::isfinite(static_cast<float>(options_.init_scale)),
          "init_scale must be a finite number > 0, got " + std::to_string(options_.init_scale));
  require(options_.growth_factor > 1.0, "growth_factor must be > 1, got " + std::to_string(options_.growth_factor));
  require(options_.backoff_factor > 0.0 && options_.backoff_factor < 1.0,
          "backoff_factor must be in (0, 1), got " + std::to_string(options_.backoff_factor));
  require(options_.growth_interval >= 1, "growth_interval must be >= 1, got " + std::to_string(options_.growth_interval));
}

torch::Tensor LossScaler::scale_loss(const torch::Tensor& loss) const {
  if (!enabled()) return loss;
  return loss * static_cast<double>(scale_);
}

bool LossScaler::unscale(const NamedParameters& params) const {
  if (!enabled()) return false;
  // GradScaler: inv_scale = scale.double().reciprocal().float().
  const float inv_scale = static_cast<float>(1.0 / static_cast<double>(scale_));
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> finite;  // one flag per gradient; a single sync below
  torch::Device device = torch::kCPU;
  for (const auto& [name, p] : params) {
    torch::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (finite.empty()) device = g.device();
    finite.push_back(torch::isfinite(g).all().to(device));  // checked before unscaling, as torch does
    if (g.scalar_type() == torch::kFloat32) g.mul_(inv_scale);
    else g.copy_(g.to(torch::kFloat32).mul_(inv_scale));  // fp16/bf16 gradients: fp32 arithmetic
  }
  if (finite.empty()) return false;
  return !torch::stack(finite).all().item<bool>();
}

void LossScaler::update(bool found_inf) {
  if (!enabled()) return;
  // torch's _amp_update_scale_ kernel.
  if (found_inf) {
    scale_ = static_cast<float>(static_cast<double>(scale_) * options_.backoff_factor);
    growth_tracker_ = 0;
    return;
  }
  if (++growth_tracker_ == options_.growth_interval) {
    const float grown = static_cast<float>(static_cast<double>(scale_) * options_.growth_factor);
    if (std::isfinite(grown)) scale_ = grown;
    growth_tracker_ = 0;
  }
}

nlohmann::json LossScaler::state_dict() const {
  if (!enabled()) return nullptr;
  return {{"scale", static_cast<double>(scale_)},
          {"growth_factor", options_.growth_factor},
          {"backoff_factor", options_.backoff_factor},
          {"growth_interval", options_.growth_interval},
          {"_growth_tracker", growth_tracker_}};
}

void LossScaler::load_state_dict(const nlohmann::json& state, const std::string& source) {
  if (!enabled() || state.is_null()) return;
  auto number = [&](const char* key) -> const nlohmann::json& {
    if (!state.is_object() || !state.contains(key) || !state[key].is_number())
      throw Error(source + ": loss_scaler." + key + " is missing or not a number; the checkpoint is damaged");
    return state[key];
  };
  const double scale = number("scale").get<double>();
  if (!(scale > 0) || !std::isfinite(static_cast<float>(scale)))
    throw Error(source + ": loss_scaler.scale must be a finite number > 0, got " + std::to_string(scale) +
                "; the checkpoint is damaged");
  // GradScaler.load_state_dict: the checkpoint's factors and interval win.
  options_.growth_factor = number("growth_factor").get<double>();
  options_.backoff_factor = number("backoff_factor").get<double>();
  options_.growth_interval = number("growth_interval").get<int64_t>();
  scale_ = static_cast<float>(scale);
  growth_tracker_ = number("_growth_tracker").get<int64_t>();
}

}  // namespace ragforge::train
