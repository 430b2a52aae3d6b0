#include "plot/thin_polyline.h"

#include <cmath>

namespace ragforge::plot {

std::vector<Pt> thin_polyline(const std::vector<Pt>& pts) {
  std::vector<Pt> out;
  out.reserve(pts.size() < 4096 ? pts.size() : 4096);
  size_t i = 0;
  while (i < pts.size()) {
    // One run of points in the same pixel column: [i, j).
    const double col = std::floor(pts[i].x);
    size_t j = i + 1;
    size_t lo = i, hi = i;
    while (j < pts.size() && std::floor(pts[j].x) == col) {
      if (pts[j].y < pts[lo].y) lo = j;
      if (pts[j].y > pts[hi].y) hi = j;
      ++j;
    }
    // Keep first, extremes in their original order, last.
    size_t keep[4] = {i, lo < hi ? lo : hi, lo < hi ? hi : lo, j - 1};
    size_t last = pts.size();
    for (size_t k : keep)
      if (k != last) {
        out.push_back(pts[k]);
        last = k;
      }
    i = j;
  }
  return out;
}

}  // namespace ragforge::plot
