#include "plot/axes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ragforge::plot {
namespace {

std::string printf_string(const char* fmt, int precision, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, precision, v);
  return buf;
}

// Digits after the point needed to show multiples of `step` exactly.
int decimals_for(double step) {
  for (int d = 0; d < 12; ++d) {
    const double scaled = step * std::pow(10.0, d);
    if (std::fabs(scaled - std::round(scaled)) < 1e-6 * scaled) return d;
  }
  return 12;
}

}  // namespace

Ticks nice_ticks(double lo, double hi, int target) {
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo <= 0) {
    const double w = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= w;
    hi += w;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  // The candidate step whose tick count is closest to target; 2.5 is the
  // least round, so it wins only when clearly closer.
  double step = mag, best = 1e300;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    const double s = m * mag;
    const double count = std::floor(hi / s + 1e-9) - std::ceil(lo / s - 1e-9) + 1;
    const double score = std::fabs(count - target) + (m == 2.5 ? 1.01 : 0);
    if (score < best) best = score, step = s;
  }
  Ticks t;
  t.step = step;
  const double eps = step * 1e-9;
  for (double k = std::ceil((lo - eps) / step); k * step <= hi + eps; k += 1)
    t.values.push_back(k * step);
  return t;
}

std::string format_tick(double value, const Ticks& ticks) {
  const double step = ticks.step;
  if (std::fabs(value) < step * 1e-9) return "0";
  double axis_max = 0;
  for (double v : ticks.values) axis_max = std::max(axis_max, std::fabs(v));
  const double mag = std::fabs(value);
  if (step >= 1e5) return printf_string("%.*fM", decimals_for(step / 1e6), value / 1e6);
  if (step >= 1e3) return printf_string("%.*fk", decimals_for(step / 1e3), value / 1e3);
  if (axis_max < 1e-2) {
    // Scientific with the fewest mantissa digits that show the value (never
    // more than the step needs): "3e-4", "7.5e-5", not "3.0e-04".
    const int exp10 = static_cast<int>(std::floor(std::log10(mag) + 1e-9));
    const double mantissa = value / std::pow(10.0, exp10);
    const int digits =
        std::min(decimals_for(std::fabs(mantissa)), decimals_for(step / std::pow(10.0, exp10)));
    return printf_string("%.*f", digits, mantissa) + "e" + std::to_string(exp10);
  }
  return printf_string("%.*f", decimals_for(step), value);
}

bool padded_range(const std::vector<double>& values, double pad, double* lo, double* hi) {
  bool any = false;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (!any) *lo = *hi = v;
    *lo = std::min(*lo, v);
    *hi = std::max(*hi, v);
    any = true;
  }
  if (!any) return false;
  const double span = *hi - *lo;
  const double w = span > 0 ? span * pad : (*lo == 0 ? 1 : std::fabs(*lo) * 0.1);
  *lo -= w;
  *hi += w;
  return true;
}

}  // namespace ragforge::plot
