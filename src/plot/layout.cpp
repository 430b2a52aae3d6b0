#include "plot/layout.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace ragforge::plot {
namespace {
constexpr double kTitle = 28, kLeft = 64, kRight = 18, kBottom = 40;  // pixels
constexpr double kMinPlotW = 80, kMinPlotH = 50;
}  // namespace

std::vector<Rect> grid_cells(const Rect& area, size_t n) {
  std::vector<Rect> cells;
  if (n == 0) return cells;
  const size_t cols = static_cast<size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const size_t rows = (n + cols - 1) / cols;
  const double w = area.w / static_cast<double>(cols), h = area.h / static_cast<double>(rows);
  for (size_t i = 0; i < n; ++i)
    cells.push_back({area.x + static_cast<double>(i % cols) * w,
                     area.y + static_cast<double>(i / cols) * h, w, h});
  return cells;
}

Rect plot_area(const Rect& cell) {
  const Rect p{cell.x + kLeft, cell.y + kTitle, cell.w - kLeft - kRight, cell.h - kTitle - kBottom};
  if (p.w < kMinPlotW || p.h < kMinPlotH)
    throw Error("the figure is too small for its panels: each chart would be " +
                std::to_string(int(p.w)) + "x" + std::to_string(int(p.h)) +
                " pixels; raise --width/--height or plot fewer metrics");
  return p;
}

}  // namespace ragforge::plot
