// Turns the plot command's RUN_DIR arguments into the runs to draw, with
// their legend labels (conventions.md §3 run layout).
#pragma once
#include <string>
#include <vector>

namespace ragforge::plot {

struct RunSource {
  std::string dir;           // the run (job) directory
  std::string metrics_path;  // <dir>/logs/metrics.jsonl
  std::string label;         // legend text
  std::string sweep_root;    // the sweep dir (multirun.yaml) it came from; "" for a run dir
};

struct RunExpansion {
  std::vector<RunSource> runs;
  std::vector<std::string> notes;  // sweep jobs skipped for want of a metrics log
};

// Each argument is a run dir, or a sweep root (a dir holding multirun.yaml)
// that stands for its numbered job dirs in numeric order. A run dir named on
// the command line must have logs/metrics.jsonl; a sweep job without one (it
// failed early) is skipped with a note, but a sweep with none is an error.
// Labels: the dir's name; a sweep job `N` with .hydra/overrides.yaml gets
// "N: k=v k2=v2". Labels that collide get their parent dir's name prefixed.
// Throws ragforge::Error naming the path.
RunExpansion expand_run_dirs(const std::vector<std::string>& args);

// "N: k=v k2=v2" for a sweep job dir, the dir's name otherwise.
std::string run_label(const std::string& dir);

}  // namespace ragforge::plot
