#include "wandb/offline_sink.h"

#include <iostream>

namespace ragforge::wandb {

void OfflineSink::finish(int exit_code, bool preempted) {
  state_.exit_code = exit_code;
  state_.preempted = preempted;
  save_run_state(run_dir_, state_);
  if (!silent_)
    std::cerr << "wandb: offline run " << state_.run_id << " saved; upload it with `ragforge wandb-sync " << run_dir_
              << "`\n";
}

nlohmann::json OfflineSink::checkpoint_state() const {
  return {{"run_id", state_.run_id}, {"entity", state_.entity}, {"project", state_.project}};
}

}  // namespace ragforge::wandb
