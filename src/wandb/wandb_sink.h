// The W&B metrics sink (conventions.md §4): a metrics::Sink that streams
// history, summary and console lines to a W&B run from its own thread.
//
// Training never waits on the network: log() appends to a bounded queue and
// returns; when the queue is full the line is left to be read back from
// <run_dir>/logs/metrics.jsonl (so add this sink after the JSONL sink).
// Requests are merged, at most one per transmit_interval_s, with an empty
// heartbeat after heartbeat_s idle. finish() waits up to exit_timeout_s for
// the queue to drain; what is left unsent is recorded in
// <run_dir>/wandb/state.json for `ragforge wandb-sync RUN_DIR`.
//
// Offline mode writes the state file and the redacted config only; sync the
// run later. checkpoint_state() is {run_id, entity, project, storage_id,
// history_lines, acked_step, acked_lines_at_step}; restore() before the first
// log() continues that W&B run.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "metrics/sink.h"
#include "wandb/settings.h"

namespace ragforge::wandb {

// nullptr when !settings.enabled(). `config` is the resolved config (it is
// redacted here). Throws ragforge::Error for an online run without an API key.
std::unique_ptr<metrics::Sink> make_wandb_sink(const WandbSettings& settings, const nlohmann::ordered_json& config,
                                               const std::string& run_dir);

}  // namespace ragforge::wandb
