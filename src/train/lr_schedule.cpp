// HF transformers' get_scheduler lambdas (optimization.py), evaluated at the
// step HF passes: LambdaLR calls lr_lambda(k) for the update after k completed
// steps, so the first warmup update has multiplier 0.
#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ragforge::train {
namespace {

constexpr double kPi = 3.141592653589793;  // Python's math.pi

const char* const kScheduleNames[] = {"linear", "cosine", "cosine_with_min_lr", "constant",
                                      "constant_with_warmup"};

double warmup_factor(int64_t step, int64_t warmup) {
  return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
}

// _get_cosine_schedule_with_warmup_lr_lambda with num_cycles 0.5 and min_lr_rate r.
double cosine(int64_t step, int64_t warmup, int64_t total, double min_lr_rate) {
  const double progress = static_cast<double>(step - warmup) /
                          static_cast<double>(std::max<int64_t>(1, total - warmup));
  double factor = 0.5 * (1.0 + std::cos(kPi * 0.5 * 2.0 * progress));
  factor = factor * (1 - min_lr_rate) + min_lr_rate;
  return std::max(0.0, factor);
}

}  // namespace

void validate_schedule(const ScheduleConfig& config) {
  bool known = false;
  std::string valid;
  for (const char* n : kScheduleNames) {
    known = known || config.name == n;
    valid += (valid.empty() ? "" : ", ") + std::string(n);
  }
  if (!known) throw Error("unknown lr schedule '" + config.name + "'; valid names: " + valid);
  if (config.warmup_steps < 0) {
    throw Error("lr schedule: warmup_steps must be >= 0, got " + std::to_string(config.warmup_steps));
  }
  if (!(config.warmup_ratio >= 0.0 && config.warmup_ratio <= 1.0)) {
    throw Error("lr schedule: warmup_ratio must lie in [0, 1], got " +
                std::to_string(config.warmup_ratio));
  }
  if (!(config.min_lr_ratio >= 0.0 && config.min_lr_ratio <= 1.0)) {
    throw Error("lr schedule: min_lr_ratio must lie in [0, 1], got " +
                std::to_string(config.min_lr_ratio));
  }
}

// TrainingArguments.get_warmup_steps: warmup_steps > 0 wins, else ceil(S·ratio).
int64_t warmup_steps(const ScheduleConfig& config, int64_t total_steps) {
  if (config.warmup_steps > 0) return config.warmup_steps;
  const double w = static_cast<double>(total_steps) * config.warmup_ratio;
  return static_cast<int64_t>(config.floor_warmup_ratio ? std::floor(w) : std::ceil(w));
}

double lr_multiplier(const ScheduleConfig& config, int64_t step, int64_t total_steps) {
  validate_schedule(config);
  const auto& name = config.name;
  if (name == "constant") return 1.0;
  const int64_t w = warmup_steps(config, total_steps);
  if (step < w) return warmup_factor(step, w);
  if (name == "constant_with_warmup") return 1.0;
  if (name == "linear") {
    return std::max(0.0, static_cast<double>(total_steps - step) /
                             static_cast<double>(std::max<int64_t>(1, total_steps - w)));
  }
  return cosine(step, w, total_steps, name == "cosine_with_min_lr" ? config.min_lr_ratio : 0.0);
}

}  // namespace ragforge::train
