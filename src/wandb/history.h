// metrics.jsonl lines as W&B history rows (conventions.md §4.2, §5), and the
// cursor that says which lines were already sent.
//
// A line is identified by (step, ordinal): its step and how many lines with
// that step came before it plus one. Steps only grow within metrics.jsonl
// (resume truncates the file before appending), so comparing (step, ordinal)
// with the last acknowledged pair finds unsent lines in a live queue and in a
// re-read file alike.
#pragma once
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace ragforge::wandb {

using Line = nlohmann::ordered_json;

struct HistoryCursor {
  int64_t step = -1;           // -1: nothing yet
  int64_t lines_at_step = 0;   // ordinal of the last line with `step`
  bool covers(int64_t line_step, int64_t ordinal) const {
    return line_step < step || (line_step == step && ordinal <= lines_at_step);
  }
};

struct MetricLine {
  Line line;
  int64_t step = 0;
  int64_t ordinal = 1;
};

// Assigns (step, ordinal) to lines in the order they were written.
class LineTagger {
 public:
  MetricLine tag(const Line& line);
  // The (step, ordinal) of the next line, without copying it.
  std::pair<int64_t, int64_t> next(const Line& line);

 private:
  int64_t last_step_ = -1;
  int64_t count_ = 0;
};

// The complete lines of a metrics.jsonl (a torn last line is left for later;
// unparsable lines are skipped). A missing file gives no lines.
std::vector<MetricLine> read_metrics_file(const std::string& path);

// {"_step": step, "_runtime": timestamp - start_time, "_timestamp": timestamp, <metrics>}:
// `step`, `timestamp`, `datetime` and `_nonfinite` are dropped.
Line to_history_row(const MetricLine& m, double start_time);

// An output.log line: "<ISO UTC timestamp> text", "ERROR <timestamp> text" for stderr.
std::string console_log_line(const std::string& text, bool is_error, std::chrono::system_clock::time_point when);

double unix_now();

}  // namespace ragforge::wandb
