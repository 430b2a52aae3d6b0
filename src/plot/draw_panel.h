// Draws one chart: title, grid, ticks with numeric labels, and every run's
// curves in its colour (val curves dashed with point markers).
#pragma once
#include <cairo.h>

#include <vector>

#include "plot/layout.h"
#include "plot/metrics_log.h"
#include "plot/panels.h"

namespace ragforge::plot {

// Runs without a curve's metric are left out of it; a panel no run has data
// for shows "no run has <keys>" instead of axes.
void draw_panel(cairo_t* cr, const Rect& cell, const PanelSpec& panel,
                const std::vector<RunMetrics>& runs, XAxis x_axis);

}  // namespace ragforge::plot
