// Axis arithmetic: "nice" tick positions (1, 2, 2.5, 5 × 10^k steps) and
// short tick labels. Pure functions, no drawing.
#pragma once
#include <string>
#include <vector>

namespace ragforge::plot {

struct Ticks {
  double step = 1;
  std::vector<double> values;  // multiples of step inside [lo, hi]
};

// About `target` ticks inside [lo, hi]. lo == hi is widened first.
Ticks nice_ticks(double lo, double hi, int target);

// A label precise enough to tell the axis' ticks apart, in one style per
// axis: "0.25", "120", "12k" (steps of 1000s), "1.5M", "3e-4" (axes whose
// ticks are all below 0.01). -0 prints as "0".
std::string format_tick(double value, const Ticks& ticks);

// [lo, hi] of the finite values, padded by `pad` of the span (or widened
// around a constant); false when there is none.
bool padded_range(const std::vector<double>& values, double pad, double* lo, double* hi);

}  // namespace ragforge::plot
