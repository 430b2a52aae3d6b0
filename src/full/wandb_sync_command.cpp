// `ragforge wandb-sync RUN_DIR`: uploads a run's unsent metrics to Weights &
// Biases (an offline run, or what an outage or a quick exit left behind).
// Torch-free. Credentials and host come from WANDB_API_KEY (or ~/.netrc) and
// WANDB_BASE_URL; the run's identity from RUN_DIR/wandb/state.json.
#include <iostream>
#include <memory>
#include <string>

#include "full/command_registry.h"
#include "wandb/sync.h"

namespace ragforge::full {
namespace {

int run_wandb_sync(const std::string& run_dir) {
  try {
    const wandb::SyncResult r = wandb::sync_run_dir(run_dir, wandb::wandb_settings_from_env());
    std::cout << "wandb-sync: " << r.run_path << ": sent " << r.lines_sent << " history lines, " << r.lines_skipped
              << " already on W&B" << (r.completed ? "; run finished" : "") << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ragforge wandb-sync: " << e.what() << "\n";
    return 1;
  }
}

const CommandRegistration reg(
    "wandb-sync", "Upload a run's unsent metrics (logs/metrics.jsonl) to Weights & Biases",
    [](CLI::App& cmd) -> CommandRun {
      auto run_dir = std::make_shared<std::string>();
      cmd.add_option("RUN_DIR", *run_dir, "Run directory holding logs/metrics.jsonl and wandb/state.json")->required();
      cmd.footer(
          "Uses WANDB_API_KEY (else ~/.netrc) and WANDB_BASE_URL. Lines already acknowledged by W&B\n"
          "(recorded in RUN_DIR/wandb/state.json) are not sent again.\n\n"
          "Example:\n  WANDB_MODE=offline ragforge train ...   # later:\n  ragforge wandb-sync outputs/2025-01-01/12-00-00");
      return [run_dir] { return run_wandb_sync(*run_dir); };
    });

}  // namespace
}  // namespace ragforge::full
