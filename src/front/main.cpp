// `ragforge`: the static front of ragforge's CLI, started in milliseconds.
//
// It answers the Hydra apps (compose, train) itself, so --help, --cfg, --info
// and config errors load nothing but the config engine. Everything else, and
// every job, runs in ragforge-full, which this execs with the same command
// line (cli/job_launcher.h).
//
// Installed as (or linked to) `train`, it behaves as `ragforge train`.
#include "cli/hydra_apps.h"
#include "cli/job_launcher.h"
#include "front/exec_full.h"

int main(int argc, char** argv) {
  using namespace ragforge;
  if (const auto* app = cli::find_hydra_app(argc, argv)) {
    // A sweep's jobs run one after another in one process, so the whole
    // command line moves to ragforge-full before the first one starts.
    cli::set_sweep_handoff([argc, argv] { front::exec_full(argc, argv); });
    return app->main(cli::hydra_app_args(argc, argv));
  }
  return front::exec_full(argc, argv);
}
