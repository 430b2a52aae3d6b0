// <run_dir>/wandb/state.json: where the run lives on W&B and how much of
// <run_dir>/logs/metrics.jsonl the server has acknowledged, so unsent lines
// go out later (when the server returns, at exit, or by `ragforge wandb-sync`)
// and acknowledged ones never twice. It never holds the API key.
// <run_dir>/wandb/config.json holds the redacted config for a later sync.
#pragma once
#include "core/atomic_file.h"
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wandb/history.h"
#include "wandb/settings.h"

namespace ragforge::wandb {

struct RunState {
  std::string run_id, entity, project, storage_id;  // storage_id "" until the server answered
  std::string display_name, group, job_type, notes, mode;
  std::vector<std::string> tags;
  double start_time = 0;       // unix s; _runtime counts from here
  int64_t history_lines = 0;   // W&B history offset after the acknowledged lines
  HistoryCursor acked;         // the last acknowledged metrics.jsonl line
  int64_t console_lines = 0;   // output.log offset
  std::optional<int> exit_code;  // set once the run finished
  bool preempted = false;
  bool completed = false;      // the server acknowledged {"complete": true}
};

// 8 characters from [a-z0-9], as W&B names runs.
std::string new_run_id();
// A fresh state for a new run: the settings' run id (or a new one), location,
// names and tags; start_time now.
RunState new_run_state(const WandbSettings& settings);
// The state a run continues from: <run_dir>/wandb/state.json when present (and
// WANDB_RESUME is not "never" and WANDB_RUN_ID does not name another run),
// else a fresh one. Throws for WANDB_RESUME=must with nothing to resume.
RunState continue_or_start(const WandbSettings& settings, const std::string& run_dir);

std::string wandb_dir(const std::string& run_dir);     // <run_dir>/wandb
std::string metrics_path(const std::string& run_dir);  // <run_dir>/logs/metrics.jsonl

// nullopt when there is no state file; ragforge::Error when it is unreadable.
std::optional<RunState> load_run_state(const std::string& run_dir);
// Atomic: written to a temporary file, then renamed over the old one.
void save_run_state(const std::string& run_dir, const RunState& state);

void save_run_config(const std::string& run_dir, const nlohmann::ordered_json& redacted_config);
nlohmann::ordered_json load_run_config(const std::string& run_dir);  // {} when absent

// Writes `text` to `path` via a temporary file and rename.
using ::ragforge::write_file_atomic;  // core/atomic_file.h

}  // namespace ragforge::wandb
