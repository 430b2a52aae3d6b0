#include "plot/png_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace ragforge::plot {

void write_png_atomic(cairo_surface_t* surface, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw Error(path + ": cannot write the plot: directory " + parent.string() + " does not exist");
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const cairo_status_t status = cairo_surface_write_to_png(surface, tmp.c_str());
  if (status != CAIRO_STATUS_SUCCESS) {
    std::remove(tmp.c_str());
    throw Error(path + ": cannot write the plot: " + cairo_status_to_string(status));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw Error(path + ": cannot write the plot: rename from " + tmp + " failed: " + why);
  }
}

}  // namespace ragforge::plot
