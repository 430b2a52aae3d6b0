#include "plot/metrics_log.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace ragforge::plot {
namespace {

bool is_bookkeeping(const std::string& key) {
  return key.empty() || key[0] == '_' || key == "step" || key == "timestamp" || key == "datetime";
}

}  // namespace

bool Series::has_finite() const {
  for (double v : y)
    if (std::isfinite(v)) return true;
  return false;
}

RunMetrics read_metrics_jsonl(const std::string& path, XAxis x_axis) {
  using nlohmann::json;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(path + ": cannot open the metrics log (expected <run_dir>/logs/metrics.jsonl)");
  const std::string x_key = x_axis == XAxis::Step ? "step" : "timestamp";
  RunMetrics run;
  run.path = path;
  double t0 = std::numeric_limits<double>::quiet_NaN();
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const bool complete = !in.eof();  // getline stopped at a newline
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    json obj;
    try {
      obj = json::parse(line);
    } catch (const json::exception& e) {
      if (!complete) break;  // the writer is mid-line; the next read will have it
      throw Error(where + ": invalid JSON: " + e.what());
    }
    if (!obj.is_object())
      throw Error(where + ": expected a JSON object per line, got " + obj.type_name());
    const auto xit = obj.find(x_key);
    if (xit == obj.end() || !xit->is_number())
      throw Error(where + ": no numeric \"" + x_key +
                  "\" (every metrics line carries step and timestamp)");
    double x = xit->get<double>();
    if (x_axis == XAxis::Time) {
      if (std::isnan(t0)) t0 = x;
      x -= t0;
    }
    ++run.lines;
    for (const auto& [key, value] : obj.items()) {
      if (is_bookkeeping(key)) continue;
      double y;
      if (value.is_number())
        y = value.get<double>();
      else if (value.is_null())
        y = std::numeric_limits<double>::quiet_NaN();  // non-finite when logged: a gap
      else
        continue;
      Series& s = run.series[key];
      s.x.push_back(x);
      s.y.push_back(y);
    }
  }
  if (in.bad()) throw Error(path + ": read error");
  return run;
}

}  // namespace ragforge::plot
