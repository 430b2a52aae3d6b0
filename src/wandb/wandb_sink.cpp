#include "wandb/wandb_sink.h"

#include <cstdlib>

#include "core/error.h"
#include "wandb/config_json.h"
#include "wandb/offline_sink.h"
#include "wandb/online_sink.h"
#include "wandb/run_state.h"

namespace ragforge::wandb {

std::unique_ptr<metrics::Sink> make_wandb_sink(const WandbSettings& settings, const nlohmann::ordered_json& config,
                                               const std::string& run_dir) {
  if (!settings.enabled()) return nullptr;
  // Multi-process jobs (RANK / SLURM_PROCID): rank 0 alone talks to W&B and writes its run files.
  for (const char* var : {"RANK", "SLURM_PROCID"})
    if (const char* rank = std::getenv(var); rank && *rank) {
      if (std::string(rank) != "0") return nullptr;
      break;
    }
  if (settings.online() && settings.api_key.empty())
    throw Error("W&B logging is on (use_wandb / report_to: wandb) but no API key was found: set WANDB_API_KEY, add "
                "the key for " + url_host(settings.base_url) +
                " to ~/.netrc (`wandb login`), or run with WANDB_MODE=offline and upload later with "
                "`ragforge wandb-sync RUN_DIR`");
  check_base_url(settings.base_url);
  RunState state = continue_or_start(settings, run_dir);
  save_run_config(run_dir, redact_secrets(config));
  save_run_state(run_dir, state);
  if (settings.online())
    return std::make_unique<OnlineSink>(settings, wandb_config_string(config), run_dir, std::move(state));
  return std::make_unique<OfflineSink>(run_dir, std::move(state), settings.silent);
}

}  // namespace ragforge::wandb
