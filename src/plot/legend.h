// The figure's one legend, a strip under the panels: a colour swatch and
// label per run (runs keep one colour in every panel), then a key telling
// train (solid) from val (dashed, dots) lines when any val curve is drawn.
#pragma once
#include <cairo.h>

#include <string>
#include <vector>

#include "plot/layout.h"

namespace ragforge::plot {

struct LegendSpec {
  std::vector<std::string> labels;  // one per run, in run (colour) order
  bool show_val_key = false;
};

// Height the legend needs at this figure width (items wrap into rows).
double legend_height(cairo_t* cr, const LegendSpec& legend, double width);

void draw_legend(cairo_t* cr, const LegendSpec& legend, const Rect& area);

}  // namespace ragforge::plot
