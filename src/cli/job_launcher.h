// How the Hydra apps hand work to the rest of ragforge.
//
// ragforge ships two executables. `ragforge` is a small static front: it
// answers the Hydra apps' --help, --cfg and --info and reports config errors
// in a few milliseconds, because it loads nothing. `ragforge-full` is the
// complete, dynamically linked CLI: every other subcommand, and the jobs,
// which dlopen the LibTorch runtime (libragforge_torch.so). The front execs
// ragforge-full (same process id, so signals and exit codes are the job's)
// whenever real work starts. Each executable links its own run_job().
#pragma once
#include <functional>
#include <string>

namespace ragforge::cli {

// Runs the runtime job `job` ("train", "smoke", ...) on the composed config and
// returns its exit code. In ragforge-full it loads libragforge_torch.so; in
// the front it execs `ragforge-full run-job` and returns only on failure.
int run_job(const std::string& job, const std::string& config_yaml = "",
            const std::string& run_dir = "");

// $RAGFORGE_FULL_EXE, else <dir of this executable>/ragforge-full.
std::string full_executable_path();

// What a Hydra app does just before a multirun launches its first job (after
// --dry-run and the config checks, before anything is written). The front
// sets it to re-run the whole command line in ragforge-full, which runs each
// job in-process; empty in ragforge-full.
using SweepHandoff = std::function<void()>;
void set_sweep_handoff(SweepHandoff handoff);
const SweepHandoff& sweep_handoff();

}  // namespace ragforge::cli
