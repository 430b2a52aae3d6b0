#include "sweep/job_metrics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

namespace ragforge::sweep {
namespace {

namespace fs = std::filesystem;

void note_value(JobMetrics& m, const std::string& key, double value, int64_t step) {
  m.final[key] = value;
  if (!std::isfinite(value)) return;
  auto it = m.best.find(key);
  const bool better = it == m.best.end() ||
                      (lower_is_better(key) ? value < it->second.value : value > it->second.value);
  if (better) m.best[key] = BestValue{value, step};
}

void read_metrics_jsonl(const fs::path& path, JobMetrics& m) {
  std::ifstream in(path);
  if (!in) return;
  m.found = true;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    const int64_t step = j.contains("step") && j["step"].is_number() ? j["step"].get<int64_t>() : 0;
    for (const auto& [key, value] : j.items()) {
      if (key == "step" || key == "timestamp" || !value.is_number()) continue;
      note_value(m, key, value.get<double>(), step);
    }
  }
}

// final_results.json sits in train.output_dir; it belongs to this job only
// when that dir is inside the job's own (a shared output_dir holds the last
// job's). Checkpoint folders are not searched.
std::optional<fs::path> find_final_results(const fs::path& job_dir) {
  std::error_code ec;
  fs::recursive_directory_iterator it(job_dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it.depth() > 3) {
      it.disable_recursion_pending();
      continue;
    }
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec) && (name.rfind("checkpoint", 0) == 0 || name == ".hydra")) it.disable_recursion_pending();
    else if (name == "final_results.json") return it->path();
  }
  return std::nullopt;
}

void read_final_results(const fs::path& path, JobMetrics& m) {
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  m.found = true;
  for (const auto& [key, value] : j.items()) {
    const std::string name = key.find('/') == std::string::npos ? "final/" + key : key;
    if (!m.final.count(name) && value.is_number()) m.final[name] = value.get<double>();
  }
}

}  // namespace

bool lower_is_better(const std::string& key) {
  std::string k(key.size(), '\0');
  std::transform(key.begin(), key.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"loss", "err", "ppl", "perplexity", "mse", "mae", "ece", "brier", "time", "runtime", "mem"})
    if (k.find(word) != std::string::npos) return true;
  return false;
}

JobMetrics read_job_metrics(const std::string& job_dir) {
  JobMetrics m;
  if (job_dir.empty()) return m;
  read_metrics_jsonl(fs::path(job_dir) / "logs" / "metrics.jsonl", m);
  if (auto path = find_final_results(job_dir)) read_final_results(*path, m);
  return m;
}

}  // namespace ragforge::sweep
