#include "wandb/sync.h"

#include <filesystem>

#include "core/error.h"
#include "wandb/config_json.h"
#include "wandb/run_state.h"
#include "wandb/uploader.h"

namespace ragforge::wandb {

SyncResult sync_run_dir(const std::string& run_dir, const WandbSettings& settings) {
  if (!std::filesystem::is_directory(run_dir)) throw Error(run_dir + ": no such run directory");
  if (settings.api_key.empty())
    throw Error("no W&B API key: set WANDB_API_KEY or add the key for " + url_host(settings.base_url) +
                " to ~/.netrc (`wandb login`)");
  check_base_url(settings.base_url);
  const std::vector<MetricLine> lines = read_metrics_file(metrics_path(run_dir));
  std::optional<RunState> saved = load_run_state(run_dir);
  if (!saved && lines.empty())
    throw Error(run_dir + ": nothing to sync (no wandb/state.json and no logs/metrics.jsonl lines)");
  RunState state = saved ? *saved : new_run_state(settings);
  if (!saved && !lines.empty() && lines.front().line.contains("timestamp") && lines.front().line["timestamp"].is_number())
    state.start_time = lines.front().line["timestamp"].get<double>();

  RunUploader up(settings, run_dir, state, nullptr);
  up.open(wandb_config_string(load_run_config(run_dir)));
  SyncResult r;
  for (const MetricLine& m : lines) (up.add_metric(m) ? r.lines_sent : r.lines_skipped) += 1;
  while (up.has_pending()) up.send_batch();
  const RunState& now = up.state();
  if (now.exit_code && !now.completed) up.send_finish(*now.exit_code, now.preempted);
  r.completed = up.state().completed;
  r.run_path = up.state().entity + "/" + up.state().project + "/" + up.state().run_id;
  return r;
}

}  // namespace ragforge::wandb
