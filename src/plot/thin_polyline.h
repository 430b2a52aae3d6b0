// Drops points a polyline cannot show: of the points that fall in one pixel
// column, only the first, lowest, highest and last change the drawing. A
// 100k-step run then costs about 4 points per pixel column, not 100k.
#pragma once
#include <vector>

namespace ragforge::plot {

struct Pt {
  double x, y;  // device pixels
};

// Merges only consecutive points, so any order is drawn right; a step or
// time axis (increasing x) gains the most.
std::vector<Pt> thin_polyline(const std::vector<Pt>& pts);

}  // namespace ragforge::plot
