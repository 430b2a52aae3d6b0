#include "plot/run_dirs.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "config/yaml_load.h"
#include "core/error.h"

namespace ragforge::plot {
namespace fs = std::filesystem;
namespace {

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The dir's own name, also for "." and "runs/a/".
std::string dir_name(const fs::path& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

fs::path metrics_path(const fs::path& dir) { return dir / "logs" / "metrics.jsonl"; }

// The numbered job dirs of a sweep root, in job order.
std::vector<fs::path> sweep_jobs(const fs::path& root) {
  std::vector<std::pair<long long, fs::path>> jobs;
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && is_number(name) && name.size() < 18)
      jobs.emplace_back(std::stoll(name), entry.path());
  }
  std::sort(jobs.begin(), jobs.end());
  std::vector<fs::path> out;
  for (auto& j : jobs) out.push_back(j.second);
  return out;
}

void make_labels_unique(std::vector<RunSource>& runs) {
  std::map<std::string, int> seen;
  for (const auto& r : runs) ++seen[r.label];
  for (auto& r : runs)
    if (seen[r.label] > 1)
      r.label = dir_name(fs::path(r.dir).lexically_normal().parent_path()) + "/" + r.label;
}

}  // namespace

std::string run_label(const std::string& dir) {
  const std::string name = dir_name(dir);
  const fs::path overrides = fs::path(dir) / ".hydra" / "overrides.yaml";
  if (!is_number(name) || !fs::is_regular_file(overrides)) return name;
  const config::Node list = config::load_yaml_file(overrides.string());
  std::string label = name;
  if (list.is_list()) {
    std::string sep = ": ";
    for (const auto& item : list.items()) {
      if (!item.is_string()) continue;
      label += sep + item.as_string();
      sep = " ";
    }
  }
  return label;
}

RunExpansion expand_run_dirs(const std::vector<std::string>& args) {
  RunExpansion out;
  auto add = [&out](const fs::path& dir, const std::string& sweep_root) {
    out.runs.push_back({dir.string(), metrics_path(dir).string(), run_label(dir.string()), sweep_root});
  };
  for (const auto& arg : args) {
    const fs::path dir(arg);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw Error(arg +
                  ": no such run directory (expected a run dir holding logs/metrics.jsonl, "
                  "or a sweep dir holding multirun.yaml)");
    if (!fs::exists(dir / "multirun.yaml")) {
      if (!fs::is_regular_file(metrics_path(dir)))
        throw Error(metrics_path(dir).string() + ": no metrics log in run dir " + arg +
                    " (is it a run dir? training writes logs/metrics.jsonl)");
      add(dir, "");
      continue;
    }
    size_t added = 0;
    for (const auto& job : sweep_jobs(dir)) {
      if (!fs::is_regular_file(metrics_path(job))) {
        out.notes.push_back("sweep job " + job.string() + " has no logs/metrics.jsonl; skipped");
        continue;
      }
      add(job, dir.string());
      ++added;
    }
    if (added == 0)
      throw Error(
          arg +
          ": sweep dir (it holds multirun.yaml) has no job dir with logs/metrics.jsonl; expected " +
          (dir / "0" / "logs" / "metrics.jsonl").string() + " and so on");
  }
  make_labels_unique(out.runs);
  return out;
}

}  // namespace ragforge::plot
