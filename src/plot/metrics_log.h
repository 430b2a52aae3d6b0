// Reads a run's metrics.jsonl (conventions.md §5) into one series per metric
// key, in file order. Torch-free; the plot command's only input.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace ragforge::plot {

// What the x axis measures: the optimizer step, or seconds since the run's
// first line (its `timestamp`).
enum class XAxis { Step, Time };

// One metric's points. A NaN y marks a gap: the line held null (non-finite).
struct Series {
  std::vector<double> x, y;
  bool has_finite() const;
};

struct RunMetrics {
  std::string label;                     // legend text
  std::string path;                      // the metrics.jsonl read
  size_t lines = 0;                      // JSON lines read
  std::map<std::string, Series> series;  // metric key -> points
};

// Parses `path`. Keys starting with `_` and step/timestamp/datetime are
// bookkeeping, not metrics; string and container values are ignored. Throws
// ragforge::Error naming the file (missing or unreadable) or file:line (bad
// JSON, a line that is not an object, no numeric step/timestamp). A last line
// without its newline that does not parse is a write in progress: skipped.
RunMetrics read_metrics_jsonl(const std::string& path, XAxis x_axis);

}  // namespace ragforge::plot
