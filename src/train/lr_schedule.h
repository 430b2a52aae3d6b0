// Learning-rate schedules (conventions.md §10), as HF's get_scheduler
// computes them: the multiplier for the update made after `step` completed
// optimizer steps (step 0 is the first update).
#pragma once
#include <cstdint>
#include <string>

namespace ragforge::train {

struct ScheduleConfig {
  std::string name = "linear";  // linear|cosine|cosine_with_min_lr|constant|constant_with_warmup
  int64_t warmup_steps = 0;     // > 0 wins over warmup_ratio
  double warmup_ratio = 0.0;
  bool floor_warmup_ratio = false;  // floor(S·ratio) instead of ceil (step_confidence)
  double min_lr_ratio = 0.0;    // cosine_with_min_lr: min_lr / lr
};

// Throws ragforge::Error for an unknown name, listing the valid ones.
void validate_schedule(const ScheduleConfig& config);
int64_t warmup_steps(const ScheduleConfig& config, int64_t total_steps);
double lr_multiplier(const ScheduleConfig& config, int64_t step, int64_t total_steps);

}  // namespace ragforge::train
