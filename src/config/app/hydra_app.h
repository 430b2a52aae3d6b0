// The Hydra app runner: what `@hydra.main` does, for ragforge's commands.
//
//   int main_of_train(const std::vector<std::string>& args) {
//     HydraAppSpec spec{"train", installed_configs_dir(), "train"};
//     return run_hydra_app(spec, args, [](const JobContext& job) {
//       const Node& cfg = job.config();   // resolved job config
//       ...                               // write into job.output_dir
//       return 0;
//     });
//   }
//
// It takes Hydra 1.3.2's command line (hydra_args.h) and behaves as Hydra
// does: --help / --hydra-help / --version / --cfg / --info print and exit,
// a run composes the config, creates `hydra.run.dir`, writes `.hydra/`
// (config.yaml, hydra.yaml, overrides.yaml) and the job log, and calls the
// task; --multirun (or hydra.mode=MULTIRUN) expands the BasicSweeper product
// lazily and runs each job in its own `hydra.sweep.dir/subdir`. Errors are
// printed as Hydra prints them and give exit status 1 (2 for usage errors).
//
// Where ragforge differs on purpose:
//   - Before launching, Hydra composes every job of a sweep; ragforge does so
//     for sweeps of up to 256 jobs, and for larger ones composes each swept
//     value once (other keys at their first value), so a 10,000-job sweep
//     starts at once and still fails early on a typo.
//   - Multi-process jobs: with RANK set and not 0, the job uses
//     RAGFORGE_RUN_DIR (when set) as its output dir and writes neither
//     `.hydra/` nor the log file (Hydra issue #2070).
//   - `--shell-completion` and `--experimental-rerun` report that they are
//     not supported; a sweeper other than Hydra's basic one, or a launcher
//     other than basic, ragforge's local_parallel and slurm (launcher.h,
//     slurm_launcher.h), is an error rather than silently run as basic.
//   - Task mode: with RAGFORGE_SWEEP_JOB_INDEX set (a Slurm array task's
//     script sets it), `-m` runs only that job of the sweep, with ${now:}
//     pinned to RAGFORGE_SWEEP_START_TIME, and leaves its outcome in
//     RAGFORGE_SWEEP_OUTCOME_DIR for the sweep that submitted it.
//   - `--dry-run` (hidden) with --multirun lists the sweep's jobs and exits.
//   - The app's check_job runs for every job of the first batch while the
//     sweep is validated, so a config error leaves no multirun dir behind.
//   - A failed job does not stop its batch (as in Hydra); afterwards the
//     app's after_sweep sees every job's outcome, then the first failure is
//     reported and the exit status is non-zero.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/app/job_logging.h"
#include "config/node.h"

namespace ragforge::config::app {

class JobContext;

// One job of a multirun, as its launcher saw it run.
struct SweepJobResult {
  int64_t num = 0;
  std::vector<std::string> overrides;  // the job's task overrides (.hydra/overrides.yaml)
  bool failed = false;                 // the task threw or returned non-zero
  int exit_code = 0;
  std::string error;                   // failed: the error's first line(s), else ""
  double start_time = 0, end_time = 0;  // Unix time, seconds
  std::string output_dir;              // absolute
};

// A finished multirun (or the part of it that ran: Hydra stops after a batch
// with a failed job).
struct SweepReport {
  std::string sweep_dir;  // absolute hydra.sweep.dir
  Node sweep;             // the resolved `hydra.sweep` node (dir, subdir, and an app's extensions)
  std::vector<SweepJobResult> jobs;  // launch order
};

struct HydraAppSpec {
  std::string name;                 // the job name (Hydra: the script's file stem)
  std::string config_dir;           // the app's installed configs folder; "" for none
  std::optional<std::string> config_name;  // the default primary config; nullopt for none
  std::string prog;                 // how usage lines name the program; "" = "ragforge <name>"
  // Folders searched after the primary and -cd ones, as a Hydra
  // SearchPathPlugin adds them (provider "ragforge"): config groups shipped
  // with ragforge stay reachable from a user's own -cp folder.
  std::vector<std::string> plugin_config_dirs;
  // Called once when a multirun is about to launch its first job: after
  // --dry-run and the config checks, before anything is written. It may
  // replace the process (the static `ragforge` front hands sweeps over to
  // ragforge-full this way; cli/job_launcher.h).
  std::function<void()> before_sweep;
  // Called for each job before its output directory is created: an app can
  // reject a bad config without leaving an empty run directory behind (Hydra
  // creates it first). A non-zero return ends the job with that exit code;
  // the check has already said why.
  std::function<int(const JobContext&)> check_job;
  // Called once after a multirun's jobs ran, before the first failure is
  // reported: an app summarises them here (the train app writes
  // sweep_results.jsonl/.md). Not called when validation stopped the sweep.
  std::function<void(const SweepReport&)> after_sweep;
  // Keys the app adds to Hydra's node where no config sets them (compose.h,
  // ComposeRequest::hydra_extension), e.g. {sweep: {sort_by: null}}.
  Node hydra_extension;
};

// What a task sees of its job.
class JobContext {
 public:
  // The job config with every interpolation resolved (`${hydra:...}`,
  // `${now:...}` and `${oc.env:...}` included), as
  // OmegaConf.to_container(cfg, resolve=True) gives it. Resolved on first use;
  // throws InterpolationError like OmegaConf would.
  const Node& config() const;
  // The job config as composed, interpolations unresolved
  // (`.hydra/config.yaml`).
  const Node& unresolved_config() const { return cfg_; }
  // Hydra's node (`hydra.run`, `hydra.job`, `hydra.runtime`, ...), what
  // HydraConfig.get() returns.
  const Node& hydra() const { return hydra_; }
  // Absolute path of the job's output directory (hydra.runtime.output_dir).
  const std::string& output_dir() const { return output_dir_; }
  // hydra.job.num: the job's index in a multirun; nullopt in a single run.
  std::optional<int64_t> num() const { return num_; }
  // hydra.overrides.task: the job's command-line overrides.
  const std::vector<std::string>& overrides() const { return overrides_; }
  const std::string& job_name() const { return job_name_; }
  // OmegaConf.select on the whole config (job keys and `hydra`), resolved:
  // select("hydra.overrides.task") is what HydraConfig.get().overrides.task
  // reads. Throws InterpolationError; a missing key gives a null node.
  Node select(const std::string& dotted_path) const;
  // Logs through the job's logging setup (console and `<job_name>.log`).
  void log(LogLevel level, const std::string& message) const;

  JobContext(Node cfg, Node hydra, std::string output_dir, std::optional<int64_t> num,
             std::vector<std::string> overrides, std::string job_name);

 private:
  Node cfg_;
  Node hydra_;
  std::string output_dir_;
  std::optional<int64_t> num_;
  std::vector<std::string> overrides_;
  std::string job_name_;
  mutable std::optional<Node> resolved_;
};

// The task: returns the job's exit status (0 for success). Exceptions it
// throws are reported as Hydra reports a failing task.
using TaskFn = std::function<int(const JobContext&)>;

// Runs the app with `args` (the command line after the program/subcommand
// name). Returns the process exit status; prints everything itself.
int run_hydra_app(const HydraAppSpec& spec, const std::vector<std::string>& args, const TaskFn& task);

}  // namespace ragforge::config::app
