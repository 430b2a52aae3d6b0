// The post-mortem of a run stopped by NaN/Inf (conventions.md §7): written to
// {output_dir}/nan-<step>/report.json before the gradients are dropped.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/optimizer.h"

namespace ragforge::train {

struct NonfiniteEvent {
  int64_t step = 0;                    // the optimizer step that was attempted
  int64_t epoch = 0, first_index = 0;  // its micro-batches: (epoch, first_index ...)
  double loss = 0, grad_norm = 0;
  std::vector<double> micro_losses;
  std::vector<int64_t> sample_ids;
  int64_t consecutive = 0;
};

// Writes report.json {step, epoch, first_micro_batch, loss, grad_norm,
// micro_batch_losses, consecutive, sample_ids, grad_norms: {param: norm|null}}
// and returns the directory.
std::string write_nonfinite_report(const std::string& output_dir, const NonfiniteEvent& event,
                                   const NamedParameters& params);

}  // namespace ragforge::train
