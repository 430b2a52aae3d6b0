// Helpers for the plot tests: synthetic run dirs with metrics.jsonl, and a
// PNG decoded with cairo whose pixels can be counted by colour and region.
#pragma once
#include <cairo.h>
#include <stdlib.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ragforge::testing {

class PlotTempDir {
 public:
  PlotTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ragforge-plot-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~PlotTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// What a synthetic run logs. Run `index` gets its own loss level, lr peak and
// throughput, so its curves never sit on another run's.
struct SyntheticRun {
  SyntheticRun(int i = 0) : index(i) {}  // NOLINT: `write_run(dir, {2})` reads well
  int index;
  int steps = 200;
  int val_every = 20;  // 0: no val/loss
  bool lr = true;
  bool lr_alias = false;  // train/learning_rate instead of train/lr
  bool tokens = true;
  std::string extra_key;  // also log this key (value 0.5 + 0.1 * index + step / 1e4)
};

inline std::string metrics_jsonl(const SyntheticRun& r) {
  std::string out;
  char buf[512];
  for (int s = 1; s <= r.steps; ++s) {
    const double loss = 3.0 - 0.6 * r.index + 0.4 * std::exp(-s / 50.0);
    const double lr = 1e-4 * (r.index + 1) * 0.5 * (1 + std::cos(M_PI * s / r.steps));
    std::snprintf(buf, sizeof buf, R"({"step": %d, "timestamp": %.3f, "train/loss": %.6f)", s,
                  1.7e9 + 0.5 * s, loss);
    out += buf;
    if (r.lr) {
      std::snprintf(buf, sizeof buf, R"(, "%s": %.6g)",
                    r.lr_alias ? "train/learning_rate" : "train/lr", lr);
      out += buf;
    }
    if (r.tokens) {
      std::snprintf(buf, sizeof buf, R"(, "sys/tokens_per_s": %.1f)",
                    1000.0 * (r.index + 1) + 50 * std::sin(s / 7.0));
      out += buf;
    }
    if (!r.extra_key.empty()) {
      std::snprintf(buf, sizeof buf, R"(, "%s": %.6f)", r.extra_key.c_str(),
                    0.5 + 0.1 * r.index + s / 1e4);
      out += buf;
    }
    out += "}\n";
    if (r.val_every > 0 && s % r.val_every == 0) {
      std::snprintf(buf, sizeof buf,
                    R"({"step": %d, "timestamp": %.3f, "val/loss": %.6f})"
                    "\n",
                    s, 1.7e9 + 0.5 * s + 0.1, loss + 0.1);
      out += buf;
    }
  }
  return out;
}

inline void write_run(const std::string& dir, const SyntheticRun& r) {
  write_text(dir + "/logs/metrics.jsonl", metrics_jsonl(r));
}

struct Rgb {
  int r, g, b;
};
// matplotlib tab10, the plot command's colours for runs 0..4.
constexpr Rgb kBlue{31, 119, 180}, kOrange{255, 127, 14}, kGreen{44, 160, 44}, kRed{214, 39, 40},
    kPurple{148, 103, 189};

// Fractions of the image: [x0, x1) x [y0, y1).
struct Region {
  double x0, y0, x1, y1;
};
// With 3-4 panels the grid is 2x2 above a legend strip at the bottom; these
// stay inside one cell whatever the legend's height.
constexpr Region kLossCell{0.0, 0.0, 0.5, 0.4}, kLrCell{0.5, 0.0, 1.0, 0.4},
    kTokensCell{0.0, 0.5, 0.5, 0.85}, kFourthCell{0.5, 0.5, 1.0, 0.85}, kWholeImage{0, 0, 1, 1};

class Png {
 public:
  explicit Png(const std::string& path)
      : surface_(cairo_image_surface_create_from_png(path.c_str())) {}
  ~Png() { cairo_surface_destroy(surface_); }
  Png(const Png&) = delete;
  Png& operator=(const Png&) = delete;

  bool ok() const { return cairo_surface_status(surface_) == CAIRO_STATUS_SUCCESS; }
  std::string status() const { return cairo_status_to_string(cairo_surface_status(surface_)); }
  int width() const { return cairo_image_surface_get_width(surface_); }
  int height() const { return cairo_image_surface_get_height(surface_); }

  // Pixels within `tol` (per channel) of colour c inside the region.
  int count(Rgb c, Region reg, int tol = 30) const {
    cairo_surface_flush(surface_);
    const unsigned char* data = cairo_image_surface_get_data(surface_);
    const int stride = cairo_image_surface_get_stride(surface_);
    const int x0 = int(reg.x0 * width()), x1 = int(reg.x1 * width());
    const int y0 = int(reg.y0 * height()), y1 = int(reg.y1 * height());
    int n = 0;
    for (int y = y0; y < y1; ++y) {
      const auto* row = reinterpret_cast<const uint32_t*>(data + y * stride);
      for (int x = x0; x < x1; ++x) {
        const uint32_t p = row[x];  // cairo's native-endian 0xAARRGGBB
        const int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
        if (std::abs(r - c.r) <= tol && std::abs(g - c.g) <= tol && std::abs(b - c.b) <= tol) ++n;
      }
    }
    return n;
  }

 private:
  cairo_surface_t* surface_;
};

}  // namespace ragforge::testing
