#include "plot/palette.h"

#include <cmath>

namespace ragforge::plot {
namespace {

constexpr Rgb8 kTab10[] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                           {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                           {188, 189, 34},  {23, 190, 207}};

// HSV (h in [0, 1)) to RGB at fixed saturation and value.
Rgb8 hue_colour(double h) {
  const double s = 0.65, v = 0.8;
  const double f = h * 6 - std::floor(h * 6);
  const double p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  double r = v, g = t, b = p;
  switch (static_cast<int>(std::floor(h * 6)) % 6) {
    case 0:
      r = v, g = t, b = p;
      break;
    case 1:
      r = q, g = v, b = p;
      break;
    case 2:
      r = p, g = v, b = t;
      break;
    case 3:
      r = p, g = q, b = v;
      break;
    case 4:
      r = t, g = p, b = v;
      break;
    default:
      r = v, g = p, b = q;
      break;
  }
  auto u8 = [](double c) { return static_cast<uint8_t>(std::lround(c * 255)); };
  return {u8(r), u8(g), u8(b)};
}

}  // namespace

Rgb8 run_colour(size_t i) {
  constexpr size_t n = sizeof kTab10 / sizeof kTab10[0];
  if (i < n) return kTab10[i];
  const double golden = 0.618033988749895;
  const double h = static_cast<double>(i - n) * golden + 0.11;
  return hue_colour(h - std::floor(h));
}

}  // namespace ragforge::plot
