// metrics.jsonl (conventions.md §5): one JSON object per line, appended and
// flushed per line, so a crash loses at most the line being written. It is
// the run's source of truth; W&B and the console are replays of it.
//
//   metrics::JsonlSink sink(run_dir + "/logs/metrics.jsonl");
//   auto line = metrics::make_line(step);
//   metrics::put(line, "train/loss", 1.23);
//   sink.log(line);
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

#include "metrics/sink.h"

namespace ragforge::metrics {

// A line holding `step`, `timestamp` (unix seconds) and `datetime` (ISO 8601,
// local time with offset), in that order.
Line make_line(int64_t step);
// Sets `key`; a NaN or infinity is written as null and the key is listed in
// the line's "_nonfinite" array.
void put(Line& line, const std::string& key, double value);

// "2024-11-22T16:00:00.500+01:00" for a unix time.
std::string iso8601_local(double unix_seconds);

class JsonlSink final : public Sink {
 public:
  // Opens (creating parent directories) for appending.
  explicit JsonlSink(std::string path);
  ~JsonlSink() override;
  JsonlSink(const JsonlSink&) = delete;
  JsonlSink& operator=(const JsonlSink&) = delete;

  void log(const Line& line) override;
  void finish(int exit_code, bool preempted) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

// Keeps only the lines whose "step" is <= `step` (lines without a step are
// kept), rewriting the file atomically: a resumed run then never logs a step
// twice. A missing file is left missing.
void truncate_after_step(const std::string& path, int64_t step);

}  // namespace ragforge::metrics
