// Run colours: matplotlib's "tab10" for the first ten runs (familiar, and
// tuned to stay apart), then golden-angle hues so any run count stays distinct.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ragforge::plot {

struct Rgb8 {
  uint8_t r, g, b;
};

// The colour of the i-th run (0-based), in every panel and the legend.
Rgb8 run_colour(size_t i);

}  // namespace ragforge::plot
