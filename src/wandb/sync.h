// `ragforge wandb-sync RUN_DIR`: uploads what a run left unsent (an offline
// run, an outage, an exit before the queue drained) through the same calls as
// the live sink. It replays <run_dir>/logs/metrics.jsonl after the last line
// <run_dir>/wandb/state.json records as acknowledged, so nothing is sent
// twice, and finishes the W&B run when the run had finished.
#pragma once
#include <cstdint>
#include <string>

#include "wandb/settings.h"

namespace ragforge::wandb {

struct SyncResult {
  std::string run_path;      // entity/project/run_id
  int64_t lines_sent = 0;    // metrics.jsonl lines sent now
  int64_t lines_skipped = 0; // already acknowledged before
  bool completed = false;    // the W&B run is marked finished
};

// `settings` supplies the host and key (wandb_settings_from_env()); the run's
// identity comes from the state file, or settings for a run without one.
// Throws ragforge::Error (no key, nothing to sync, the server refused).
SyncResult sync_run_dir(const std::string& run_dir, const WandbSettings& settings);

}  // namespace ragforge::wandb
