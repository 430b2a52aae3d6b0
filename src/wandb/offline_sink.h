// make_wandb_sink() in offline mode: no network at all. metrics.jsonl already
// holds every line; this records the run's identity and exit code in
// <run_dir>/wandb/state.json so `ragforge wandb-sync RUN_DIR` can upload it.
#pragma once
#include <string>

#include "metrics/sink.h"
#include "wandb/run_state.h"

namespace ragforge::wandb {

class OfflineSink final : public metrics::Sink {
 public:
  OfflineSink(std::string run_dir, RunState state, bool silent)
      : run_dir_(std::move(run_dir)), state_(std::move(state)), silent_(silent) {}
  void log(const metrics::Line&) override {}
  void finish(int exit_code, bool preempted) override;
  nlohmann::json checkpoint_state() const override;

 private:
  std::string run_dir_;
  RunState state_;
  bool silent_;
};

}  // namespace ragforge::wandb
