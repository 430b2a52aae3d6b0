// A whole figure: panels in a grid over one legend, rendered with cairo into
// a PNG. The plot command's entry point into src/plot.
#pragma once
#include <string>
#include <vector>

#include "plot/metrics_log.h"
#include "plot/param_panel.h"
#include "plot/panels.h"

namespace ragforge::plot {

struct FigureOptions {
  int width = 1200, height = 800;  // pixels
  XAxis x_axis = XAxis::Step;
};

// Draws every panel for every run (run i in run_colour(i)) and writes the PNG
// atomically to out_path. Throws ragforge::Error (figure too small for the
// panels, unwritable path).
// `param_panels` (a sweep's final metric against each swept parameter) come
// after the metric panels in the grid.
void render_figure_png(const std::vector<RunMetrics>& runs, const std::vector<PanelSpec>& panels,
                       const FigureOptions& options, const std::string& out_path,
                       const std::vector<ParamPanel>& param_panels = {});

}  // namespace ragforge::plot
