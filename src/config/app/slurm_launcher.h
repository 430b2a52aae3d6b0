// hydra/launcher=slurm, the sweep's side: writes the batch's sbatch array
// script into the sweep dir, submits it with `sbatch --parsable`, waits
// (polling `squeue`), and reads back each task's outcome file. A task that
// left none (killed, timed out, node failure) is a failed job whose error is
// Slurm's state for it (from `sacct`, or `scontrol show job` where the
// cluster keeps no accounting) and the last error line of its log.
//
// SIGINT/SIGTERM while waiting cancel the array (`scancel`) and end the sweep.
#pragma once
#include <string>
#include <vector>

#include "config/app/launcher.h"
#include "config/app/slurm_settings.h"

namespace ragforge::config::app {

// The script's path for the batch starting at job `first`:
// <sweep_dir>/slurm_array.sbatch, or slurm_array_<first>.sbatch after the first batch.
std::string sbatch_script_path(const std::string& sweep_dir, uint64_t first);

// An array task's outcome file, written by the task (task mode) and read here.
std::string slurm_outcome_path(const std::string& log_dir, uint64_t num);

// Runs jobs [job.first, job.first + job.count) on Slurm; the outcomes are in
// job order. Throws ragforge::Error when sbatch is missing or refuses the
// script (its message included). `*stop_signal` as in launch_jobs().
std::vector<JobOutcome> launch_slurm_array(const SlurmSettings& settings, const SlurmArrayJob& job,
                                           int* stop_signal);

}  // namespace ragforge::config::app
