// Where things go on the figure: a grid of panel cells above a legend strip,
// and inside each cell the plot area left after title and tick labels.
#pragma once
#include <cstddef>
#include <vector>

namespace ragforge::plot {

struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
};

// n cells, row-major, in ceil(sqrt(n)) columns: 3 panels fill a 2x2 grid's
// top row and bottom-left cell.
std::vector<Rect> grid_cells(const Rect& area, size_t n);

// The data area inside a cell: room above for the title, left for y tick
// labels, below for x tick labels and the axis name. Throws ragforge::Error
// when it would be too small to read, saying to raise --width/--height.
Rect plot_area(const Rect& cell);

}  // namespace ragforge::plot
