// Shared pieces of the W&B tests: a temporary run dir whose metrics.jsonl is
// written the way the JSONL sink writes it, settings pointing at a
// FakeWandbServer with short intervals and backoff, and scoped env vars.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/sink.h"
#include "support/fake_wandb_server.h"
#include "wandb/settings.h"

namespace ragforge::wandb::test {

// Distinctive so a leak is easy to find in any file.
inline const std::string kApiKey = "k3y-abcdefghijklmnopqrstuvwxyz0123456789";

class TempRunDir {
 public:
  TempRunDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ragforge-wandb-XXXXXX").string();
    path = mkdtemp(tmpl.data());
    std::filesystem::create_directories(path + "/logs");
  }
  ~TempRunDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// {"step", "timestamp", "datetime", "train/loss"} as conventions.md §5 shapes a line.
inline metrics::Line metric_line(int64_t step) {
  metrics::Line l;
  l["step"] = step;
  l["timestamp"] = 1732291200.25 + static_cast<double>(step);
  l["datetime"] = "2024-11-22T16:00:00+00:00";
  l["train/loss"] = 1.0 / static_cast<double>(step + 1);
  l["train/lr"] = 1e-4;
  return l;
}

// Appends to <run_dir>/logs/metrics.jsonl (flushed per line), then logs to the
// sink, as the training loop's sinks do in order.
inline void log_line(metrics::Sink& sink, const std::string& run_dir, const metrics::Line& l) {
  {
    std::ofstream out(run_dir + "/logs/metrics.jsonl", std::ios::app);
    out << l.dump() << "\n";
  }
  sink.log(l);
}
inline void log_step(metrics::Sink& sink, const std::string& run_dir, int64_t step) {
  log_line(sink, run_dir, metric_line(step));
}

inline WandbSettings test_settings(const testing::FakeWandbServer& server) {
  WandbSettings s;
  s.requested = true;
  s.mode = "online";
  s.base_url = server.base_url();
  s.api_key = kApiKey;
  s.project = "proj";
  s.tags = {"t1", "t2"};
  s.transmit_interval_s = 30;  // everything goes in the flush at finish() unless a test shortens it
  s.heartbeat_s = 600;
  s.exit_timeout_s = 20;
  s.file_stream_timeout_s = 10;
  s.graphql_timeout_s = 10;
  s.backoff_scale = 0.005;  // 2 s -> 10 ms
  s.silent = true;
  return s;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline nlohmann::json read_state(const std::string& run_dir) {
  return nlohmann::json::parse(read_file(run_dir + "/wandb/state.json"));
}

// The history row the server should hold for `step`.
inline nlohmann::json expected_row(int64_t step, double start_time) {
  const metrics::Line l = metric_line(step);
  const double ts = l["timestamp"].get<double>();
  return {{"_step", step}, {"_runtime", ts - start_time}, {"_timestamp", ts},
          {"train/loss", l["train/loss"].get<double>()}, {"train/lr", l["train/lr"].get<double>()}};
}

// Files under `dir` whose bytes contain `needle`.
inline std::vector<std::string> files_containing(const std::string& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file() && read_file(e.path().string()).find(needle) != std::string::npos)
      hits.push_back(e.path().string());
  return hits;
}

// Sets (or, with nullopt, unsets) environment variables for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const std::string& name, std::optional<std::string> value)
      : ScopedEnv(std::map<std::string, std::optional<std::string>>{{name, std::move(value)}}) {}
  explicit ScopedEnv(const std::map<std::string, std::optional<std::string>>& vars) {
    for (const auto& [k, v] : vars) {
      const char* old = std::getenv(k.c_str());
      saved_[k] = old ? std::optional<std::string>(old) : std::nullopt;
      if (v)
        setenv(k.c_str(), v->c_str(), 1);
      else
        unsetenv(k.c_str());
    }
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      if (v)
        setenv(k.c_str(), v->c_str(), 1);
      else
        unsetenv(k.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// Every WANDB_* variable the client reads, unset (tests start from a clean slate).
inline std::map<std::string, std::optional<std::string>> clean_wandb_env() {
  std::map<std::string, std::optional<std::string>> m;
  for (const char* k : {"WANDB_API_KEY", "WANDB_BASE_URL", "WANDB_PROJECT", "WANDB_ENTITY", "WANDB_MODE", "WANDB_RUN_ID",
                        "WANDB_NAME", "WANDB_RUN_GROUP", "WANDB_JOB_TYPE", "WANDB_TAGS", "WANDB_NOTES", "WANDB_RESUME",
                        "WANDB_HTTP_TIMEOUT", "WANDB_SILENT", "NETRC"})
    m[k] = std::nullopt;
  m["NETRC"] = "/nonexistent/netrc";
  return m;
}

}  // namespace ragforge::wandb::test
