// The launchers a multirun can use (`hydra/launcher=...`):
//   - basic: Hydra's BasicLauncher, the jobs of a batch one after another in
//     this process;
//   - local_parallel: ragforge's LocalParallelLauncher, each job in a child
//     process of this one, n_jobs at a time, as Hydra's joblib launcher runs
//     them in loky worker processes. A child gets OMP_NUM_THREADS = cores /
//     n_jobs (at least 1) unless the environment already sets it, so the
//     jobs share the cores instead of each taking all of them;
//   - slurm: Hydra's submitit SLURM launcher's keys, the jobs as one sbatch
//     array (slurm_launcher.h).
// The configs are hydra/launcher/basic (Hydra's own) and
// configs/hydra/launcher/{local_parallel,slurm}.yaml (shipped with ragforge's apps).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/app/slurm_settings.h"
#include "config/node.h"

namespace ragforge::config::app {

// What running one job gave, in whichever process it ran.
struct JobOutcome {
  int exit_code = 0;
  bool failed = false;     // the task threw or returned non-zero, or the child died
  std::string error;       // failed: why, in a line or a few (for the results table)
  std::string report;      // the task threw: the error as Hydra prints it, printed after the sweep
  double start_time = 0, end_time = 0;  // Unix time, seconds
  std::string output_dir;  // absolute; "" when the job failed before it had one
};

// Runs job `index` of the sweep. Never throws.
using JobRunner = std::function<JobOutcome(uint64_t index)>;

struct LauncherChoice {
  bool parallel = false;  // local_parallel
  bool slurm = false;     // slurm (`settings` then holds its keys)
  int n_jobs = 1;         // jobs at once (local_parallel)
  std::string target;     // hydra.launcher._target_
  SlurmSettings settings;
};

inline constexpr const char* kBasicLauncherTarget = "hydra._internal.core_plugins.basic_launcher.BasicLauncher";
inline constexpr const char* kLocalParallelLauncherTarget = "ragforge.launchers.LocalParallelLauncher";

// Reads the resolved `hydra.launcher` node. n_jobs follows joblib: -1 is one
// job per core, -2 all cores but one, and so on. Throws ragforge::Error for a
// launcher ragforge does not have or an n_jobs of 0 or not an int.
LauncherChoice choose_launcher(const Node& launcher);

// A JobOutcome as bytes and back: through a child's pipe (local_parallel)
// or a Slurm task's outcome file. decode_outcome is false for a truncated or
// foreign text.
std::string encode_outcome(const JobOutcome& outcome);
bool decode_outcome(const std::string& text, JobOutcome& outcome);

// The CPU cores this process may run on (its affinity mask), at least 1.
int usable_cores();

// Runs jobs [first, last) and returns their outcomes in that order (basic
// and local_parallel; slurm jobs go through launch_slurm_array()).
// Sequential runs call `run` here; parallel ones fork a child per job (the
// parent only waits). A SIGINT or SIGTERM the parent gets is passed on to the
// running children and no new job starts: the outcomes are then those of the
// jobs that started, and `*stop_signal` is the signal (0 otherwise).
std::vector<JobOutcome> launch_jobs(const LauncherChoice& launcher, uint64_t first, uint64_t last,
                                    const JobRunner& run, int* stop_signal);

}  // namespace ragforge::config::app
