// Which charts a figure holds: one panel per metric, each drawing one or two
// curves (train solid, val dashed with markers) for every run.
#pragma once
#include <string>
#include <vector>

#include "plot/metrics_log.h"

namespace ragforge::plot {

struct CurveSpec {
  std::vector<std::string>
      keys;          // aliases, first present wins: {"train/lr", "train/learning_rate"}
  bool val = false;  // drawn dashed with point markers
};

struct PanelSpec {
  std::string title;
  std::vector<CurveSpec> curves;
};

// The default panels (loss: train/loss + val/loss; learning rate; tokens/s),
// unless only_extra, then one panel per `extra` metric not already drawn.
// A `val/...` extra is drawn in the val style.
std::vector<PanelSpec> make_panels(const std::vector<std::string>& extra, bool only_extra);

// The run's series for this curve: the first alias with a finite point, or null.
const Series* find_series(const RunMetrics& run, const CurveSpec& curve);

// "run 'b' has no val/loss" for every (run, curve) pair with no data.
std::vector<std::string> missing_metric_notes(const std::vector<RunMetrics>& runs,
                                              const std::vector<PanelSpec>& panels);

// "train/lr or train/learning_rate": the keys a curve reads, for messages.
std::string describe_keys(const CurveSpec& curve);

}  // namespace ragforge::plot
