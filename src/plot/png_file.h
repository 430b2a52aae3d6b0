// Writing a cairo surface as a PNG file atomically: readers (a browser tab,
// a dashboard polling the file) see the old plot or the new one, never half.
#pragma once
#include <cairo.h>

#include <string>

namespace ragforge::plot {

// Writes to a temp file beside `path`, then renames it over `path`. Throws
// ragforge::Error naming `path` (missing directory, write or rename failure);
// no temp file is left behind.
void write_png_atomic(cairo_surface_t* surface, const std::string& path);

}  // namespace ragforge::plot
