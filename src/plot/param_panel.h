// A sweep's summary chart: each job's final value of one metric against one
// swept parameter (an override whose value differs between the jobs), one
// marker per job in the job's run colour. `ragforge plot <sweep dir>` adds
// one such panel per swept parameter after the metric panels.
#pragma once
#include <cairo.h>

#include <string>
#include <vector>

#include "plot/layout.h"
#include "plot/metrics_log.h"
#include "plot/run_dirs.h"

namespace ragforge::plot {

struct ParamPoint {
  size_t run;         // index into the runs (its colour)
  std::string value;  // the parameter's value in the job's overrides
  double y;           // the job's final (last finite) value of the metric
};

struct ParamPanel {
  std::string metric, param;
  std::vector<std::string> values;  // x positions, left to right: numbers ascending, else first-seen order
  std::vector<ParamPoint> points;   // jobs without the metric are left out
};

// The metric the panels show: the sweep's hydra.sweep.sort_by (multirun.yaml)
// when set, else val/loss when some run logged it, else train/loss (as the
// sweep results rank jobs).
std::string sweep_metric(const std::vector<RunSource>& sources, const std::vector<RunMetrics>& runs);

// One panel per parameter swept among the runs that come from sweep dirs
// (RunSource::sweep_root); none when fewer than two such runs.
std::vector<ParamPanel> make_param_panels(const std::vector<RunSource>& sources, const std::vector<RunMetrics>& runs,
                                          const std::string& metric);

void draw_param_panel(cairo_t* cr, const Rect& cell, const ParamPanel& panel);

}  // namespace ragforge::plot
