#include "plot/param_panel.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include "config/yaml_load.h"
#include "plot/axes.h"
#include "plot/cairo_text.h"
#include "plot/palette.h"

namespace ragforge::plot {
namespace {

namespace fs = std::filesystem;

constexpr Rgb8 kInk{34, 34, 34}, kFrame{90, 90, 90}, kGrid{228, 228, 228}, kMuted{120, 120, 120};
constexpr double kMarkerRadius = 6, kTwoPi = 6.283185307179586;

// key -> value of a job's .hydra/overrides.yaml ("~key" has no value).
std::map<std::string, std::string> job_overrides(const std::string& dir) {
  std::map<std::string, std::string> out;
  const fs::path path = fs::path(dir) / ".hydra" / "overrides.yaml";
  if (!fs::is_regular_file(path)) return out;
  const config::Node list = config::load_yaml_file(path.string());
  if (!list.is_list()) return out;
  for (const auto& item : list.items()) {
    if (!item.is_string()) continue;
    const std::string& o = item.as_string();
    const size_t eq = o.find('=');
    out[o.substr(0, eq)] = eq == std::string::npos ? "" : o.substr(eq + 1);
  }
  return out;
}

std::optional<double> last_finite(const RunMetrics& run, const std::string& key) {
  auto it = run.series.find(key);
  if (it == run.series.end()) return std::nullopt;
  for (size_t i = it->second.y.size(); i-- > 0;)
    if (std::isfinite(it->second.y[i])) return it->second.y[i];
  return std::nullopt;
}

bool as_number(const std::string& s, double* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return *end == '\0' && std::isfinite(*v);
}

}  // namespace

std::string sweep_metric(const std::vector<RunSource>& sources, const std::vector<RunMetrics>& runs) {
  for (const auto& src : sources) {
    if (src.sweep_root.empty()) continue;
    const fs::path multirun = fs::path(src.sweep_root) / "multirun.yaml";
    if (!fs::is_regular_file(multirun)) continue;
    const config::Node cfg = config::load_yaml_file(multirun.string());
    const config::Node* key = cfg.at_path("hydra.sweep.sort_by");
    if (key && key->is_string() && !key->as_string().empty()) return key->as_string();
  }
  for (const auto& run : runs)
    if (last_finite(run, "val/loss")) return "val/loss";
  return "train/loss";
}

std::vector<ParamPanel> make_param_panels(const std::vector<RunSource>& sources, const std::vector<RunMetrics>& runs,
                                          const std::string& metric) {
  std::vector<size_t> jobs;
  std::vector<std::map<std::string, std::string>> overrides(sources.size());
  std::vector<std::string> keys;  // first-seen order
  for (size_t i = 0; i < sources.size() && i < runs.size(); ++i) {
    if (sources[i].sweep_root.empty()) continue;
    jobs.push_back(i);
    overrides[i] = job_overrides(sources[i].dir);
    for (const auto& kv : overrides[i])
      if (std::find(keys.begin(), keys.end(), kv.first) == keys.end()) keys.push_back(kv.first);
  }
  std::vector<ParamPanel> panels;
  if (jobs.size() < 2) return panels;
  for (const auto& key : keys) {
    ParamPanel panel{metric, key, {}, {}};
    for (size_t i : jobs) {
      auto it = overrides[i].find(key);
      const std::string value = it == overrides[i].end() ? "(unset)" : it->second;
      if (std::find(panel.values.begin(), panel.values.end(), value) == panel.values.end()) panel.values.push_back(value);
      if (auto y = last_finite(runs[i], metric)) panel.points.push_back({i, value, *y});
    }
    if (panel.values.size() < 2) continue;  // the same in every job: not swept
    double a = 0, b = 0;
    if (std::all_of(panel.values.begin(), panel.values.end(), [&](const std::string& v) { return as_number(v, &a); }))
      std::stable_sort(panel.values.begin(), panel.values.end(), [&](const std::string& x, const std::string& y) {
        as_number(x, &a);
        as_number(y, &b);
        return a < b;
      });
    panels.push_back(std::move(panel));
  }
  return panels;
}

void draw_param_panel(cairo_t* cr, const Rect& cell, const ParamPanel& panel) {
  const Rect p = plot_area(cell);
  set_colour(cr, kInk);
  set_font(cr, 13, true);
  draw_text(cr, "final " + panel.metric + " vs " + panel.param, p.x + p.w / 2, cell.y + 15, Align::Center);

  std::vector<double> ys;
  for (const auto& pt : panel.points) ys.push_back(pt.y);
  double y0 = 0, y1 = 1;
  set_colour(cr, kFrame);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, std::round(p.x) + 0.5, std::round(p.y) + 0.5, std::round(p.w), std::round(p.h));
  cairo_stroke(cr);
  if (!padded_range(ys, 0.1, &y0, &y1)) {
    set_colour(cr, kMuted);
    set_font(cr, 12);
    draw_text(cr, "no job has " + panel.metric, p.x + p.w / 2, p.y + p.h / 2, Align::Center);
    return;
  }
  // Categorical x: the values at equal spacing, half a step of margin.
  const double n = static_cast<double>(panel.values.size());
  auto x_of = [&](const std::string& v) {
    const size_t i = static_cast<size_t>(std::find(panel.values.begin(), panel.values.end(), v) - panel.values.begin());
    return p.x + (static_cast<double>(i) + 0.5) / n * p.w;
  };
  auto y_of = [&](double y) { return p.y + p.h - (y - y0) / (y1 - y0) * p.h; };
  const Ticks yt = nice_ticks(y0, y1, std::max(2, static_cast<int>(p.h / 50)));
  cairo_set_line_width(cr, 1);
  set_colour(cr, kGrid);
  for (double v : yt.values) {
    const double y = std::round(y_of(v)) + 0.5;
    cairo_move_to(cr, p.x + 1, y);
    cairo_line_to(cr, p.x + p.w - 1, y);
  }
  cairo_stroke(cr);
  set_colour(cr, kInk);
  set_font(cr, 11);
  for (double v : yt.values) draw_text(cr, format_tick(v, yt), p.x - 7, y_of(v), Align::Right);
  for (const auto& v : panel.values) draw_text(cr, v, x_of(v), p.y + p.h + 13, Align::Center);
  set_colour(cr, kMuted);
  draw_text(cr, panel.param, p.x + p.w / 2, p.y + p.h + 29, Align::Center);
  // Jobs that share a value sit side by side, not on top of each other.
  std::map<std::string, int> seen, count;
  for (const auto& pt : panel.points) ++count[pt.value];
  for (const auto& pt : panel.points) {
    const int k = seen[pt.value]++, m = count[pt.value];
    const double spread = std::min(p.w / n * 0.6, 3.0 * kMarkerRadius * (m - 1));
    const double dx = m > 1 ? -spread / 2 + spread * k / (m - 1) : 0;
    set_colour(cr, run_colour(pt.run));
    cairo_new_sub_path(cr);
    cairo_arc(cr, x_of(pt.value) + dx, y_of(pt.y), kMarkerRadius, 0, kTwoPi);
    cairo_fill(cr);
  }
}

}  // namespace ragforge::plot
