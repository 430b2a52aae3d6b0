// Dynamic loss scaling for fp16 training, with torch.cuda.amp.GradScaler's
// defaults and semantics (HF Trainer with fp16: true): the loss is multiplied
// by the scale before backward; before clipping and the optimizer step the
// gradients are unscaled in fp32 and checked for inf/NaN; a step with a
// non-finite gradient is skipped and the scale backs off, and after
// growth_interval good steps in a row it grows. Disabled (bf16/fp32) it
// changes nothing: scale_loss returns the loss itself and unscale is a no-op.
//
//   LossScalerOptions options;  options.enabled = args.fp16;
//   LossScaler scaler(options);
//   scaler.scale_loss(loss).backward();              // every micro-batch
//   bool overflow = scaler.unscale(params);          // once per optimizer step
//   if (!overflow) { clip(...); optimizer.step(lr); }
//   scaler.update(overflow);
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "train/optimizer.h"

namespace ragforge::train {

// torch GradScaler's constructor arguments and defaults.
struct LossScalerOptions {
  bool enabled = false;
  double init_scale = 65536.0;  // 2^16
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
};

class LossScaler {
 public:
  // Throws ragforge::Error for options GradScaler rejects (init_scale <= 0,
  // growth_factor <= 1, backoff_factor outside (0, 1), growth_interval < 1).
  explicit LossScaler(LossScalerOptions options = {});

  bool enabled() const { return options_.enabled; }
  const LossScalerOptions& options() const { return options_; }  // after load_state_dict: the checkpoint's
  // The scale the next backward uses (GradScaler.get_scale(); 1 when disabled).
  double scale() const { return enabled() ? static_cast<double>(scale_) : 1.0; }
  // Good steps in a row since the last growth or backoff.
  int64_t growth_tracker() const { return growth_tracker_; }

  // loss × scale (the loss itself when disabled).
  torch::Tensor scale_loss(const torch::Tensor& loss) const;
  // Multiplies every defined gradient by 1/scale, computed in fp32 (torch:
  // _amp_foreach_non_finite_check_and_unscale_), and returns true when any
  // gradient held an inf or NaN. Disabled: touches nothing, returns false.
  bool unscale(const NamedParameters& params) const;
  // After each optimizer step (taken or skipped): an overflow multiplies the
  // scale by backoff_factor and resets the tracker; growth_interval good
  // steps in a row multiply it by growth_factor (kept only if finite in fp32).
  void update(bool found_inf);

  // GradScaler.state_dict()'s keys: scale, growth_factor, backoff_factor,
  // growth_interval, _growth_tracker; null when disabled.
  nlohmann::json state_dict() const;
  // Restores a state_dict(); null (a checkpoint from before loss scaling, or
  // from a run without fp16) keeps the current state, and a disabled scaler
  // ignores it, as GradScaler does. `source` names the file in errors.
  void load_state_dict(const nlohmann::json& state, const std::string& source);

 private:
  LossScalerOptions options_;
  float scale_;  // fp32, as GradScaler's _scale tensor
  int64_t growth_tracker_ = 0;
};

}  // namespace ragforge::train
