// hydra/launcher=slurm's settings: the keys of Hydra's submitit SLURM
// launcher (hydra_plugins.hydra_submitit_launcher, SlurmQueueConf), read
// from the resolved `hydra.launcher` node (configs/hydra/launcher/slurm.yaml),
// and the sbatch array script they make (slurm_launcher.h submits it).
//
// Each key becomes the sbatch option submitit writes for it: partition ->
// --partition, nodes -> --nodes, tasks_per_node -> --ntasks-per-node,
// gpus_per_node -> --gpus-per-node, cpus_per_task -> --cpus-per-task,
// mem_gb -> --mem=<n>G, timeout_min -> --time, array_parallelism -> the
// array's %limit, additional_parameters {k: v} -> --k=v (underscores as
// dashes), setup -> shell lines run before the job.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/node.h"

namespace ragforge::config::app {

inline constexpr const char* kSlurmLauncherTarget = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher";

struct SlurmSettings {
  std::string submitit_folder;  // the jobs' logs and outcomes: up to its first %-pattern part
  std::string name;             // --job-name
  int64_t nodes = 1, tasks_per_node = 1, array_parallelism = 256, signal_delay_s = 120;
  std::optional<int64_t> timeout_min, cpus_per_task, gpus_per_node, mem_gb, cpus_per_gpu, gpus_per_task;
  bool stderr_to_stdout = false;
  // Plain --key=value options, in the config's order.
  std::vector<std::pair<std::string, std::string>> options;  // partition, qos, comment, ...
  std::vector<std::pair<std::string, std::string>> additional_parameters;
  std::vector<std::string> setup, srun_args;
  double poll_interval_s = 2;  // ragforge's key: how often squeue is asked
};

// Reads the node. Throws ragforge::Error naming the key for a value of the
// wrong type, nodes/tasks_per_node below 1, or max_num_timeout > 0
// (requeueing timed-out jobs is not implemented).
SlurmSettings read_slurm_settings(const Node& launcher);

// What the array runs: job `first + SLURM_ARRAY_TASK_ID` of the sweep, by
// rerunning the sweep's own command line in task mode (hydra_app.h).
struct SlurmArrayJob {
  std::string sweep_dir;               // absolute hydra.sweep.dir
  std::string log_dir;                 // absolute; holds %A_%a.out/.err and outcome_<num>
  std::string cwd;                     // where the sweep was started (--chdir)
  std::string executable;              // absolute path of ragforge
  std::vector<std::string> command;    // the app's name and its arguments
  uint64_t first = 0, count = 0;       // sweep job numbers [first, first + count)
  int64_t start_time = 0;              // the sweep's ${now:} instant
};

// The environment variables of task mode, set by the script.
inline constexpr const char* kSweepJobIndexEnv = "RAGFORGE_SWEEP_JOB_INDEX";
inline constexpr const char* kSweepStartTimeEnv = "RAGFORGE_SWEEP_START_TIME";
inline constexpr const char* kSweepOutcomeDirEnv = "RAGFORGE_SWEEP_OUTCOME_DIR";

// The sbatch script. With nodes > 1 or tasks_per_node > 1 the job runs
// `srun <ragforge> launch --nnodes ... --node-rank $SLURM_NODEID ... -- <ragforge> <command>`,
// one launcher per node starting tasks_per_node ranks; otherwise it execs
// the command directly.
std::string sbatch_script(const SlurmSettings& settings, const SlurmArrayJob& job);

// A word quoted for sh: 'it'\''s'.
std::string shell_quote(const std::string& word);

}  // namespace ragforge::config::app
