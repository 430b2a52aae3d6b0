// One W&B run's uploads over file_stream, used by the live sink's thread and
// by `ragforge wandb-sync` alike: creates or resumes the run (UpsertBucket),
// then sends history rows, the summary and console lines with their offsets,
// and records every acknowledged line in <run_dir>/wandb/state.json.
// Not thread-safe: one thread owns it.
#pragma once
#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "wandb/api.h"
#include "wandb/history.h"
#include "wandb/run_state.h"
#include "wandb/settings.h"

namespace ragforge::wandb {

class RunUploader {
 public:
  RunUploader(const WandbSettings& settings, std::string run_dir, RunState state, const std::atomic<bool>* abort);

  // Entity (viewer query when unset), then UpsertBucket with the config
  // string. The history offset continues from the state file when it has
  // acknowledged lines of this run, else from the server's historyLineCount.
  void open(const std::string& config_string);
  bool is_open() const { return opened_; }

  // Queues a line unless it was already queued or acknowledged; consecutive
  // lines of one step merge into one row (W&B steps strictly increase).
  // Returns false when it was skipped (an acknowledged line still updates the
  // summary, so a resumed run re-sends a complete one).
  bool add_metric(const MetricLine& m);
  void add_console(std::string formatted_line);
  bool has_pending() const { return !rows_.empty() || !console_.empty(); }

  // Each sends one request (ApiError when the stream is dead) and returns
  // true when the server says the user stopped the run.
  bool send_batch();      // as much pending as fits in one request
  bool send_heartbeat();  // {}
  bool send_finish(int exit_code, bool preempted);  // {"preempting"} first if preempted, then {"complete"}

  const RunState& state() const { return state_; }
  RunState& state() { return state_; }
  void save_state() const;

 private:
  struct PendingRow {
    Line row;
    int64_t step;
    int64_t last_ordinal;
  };
  bool post(const nlohmann::ordered_json& body);
  void warn(const std::string& message) const;

  WandbSettings settings_;
  std::string run_dir_;
  RunState state_;
  WandbApi api_;
  bool opened_ = false;
  HistoryCursor queued_;  // the last line taken into rows_
  std::deque<PendingRow> rows_;
  std::deque<std::string> console_;
  Line summary_ = Line::object();
};

}  // namespace ragforge::wandb
