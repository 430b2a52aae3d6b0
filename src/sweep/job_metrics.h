// What a training job left in its output dir, read back for the sweep
// results: the metrics it logged (logs/metrics.jsonl, one JSON object per
// line with its "step", as metrics/jsonl_sink.h writes them) and, when the
// job wrote it inside its own dir, final_results.json (trainer.cpp's summary;
// its plain keys, "train_loss", read as "final/train_loss", the name the
// trainer logs them under).
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace ragforge::sweep {

struct BestValue {
  double value = 0;
  int64_t step = 0;
};

struct JobMetrics {
  bool found = false;                    // metrics.jsonl or final_results.json was there
  std::map<std::string, double> final;   // the last value logged for every numeric key
  std::map<std::string, BestValue> best;  // the best value of every numeric key, and its step
};

// Whether smaller is better for a metric, from its name: losses, errors,
// perplexities, times and memory go down; anything else (accuracy, F1,
// tokens/s) goes up.
bool lower_is_better(const std::string& key);

// Reads `job_dir`/logs/metrics.jsonl and the first final_results.json under
// `job_dir`. Missing files give an empty result; a line that is not JSON is
// skipped (a job killed mid-write leaves half a line).
JobMetrics read_job_metrics(const std::string& job_dir);

}  // namespace ragforge::sweep
