// Jobs that ragforge-full runs in its own process, without loading the
// LibTorch runtime: evaluation and processing need no tensors, so they should
// not pay LibTorch's start-up. They register from their own file:
//
//   const NativeJobRegistration kEval("evaluation", [](const std::string& yaml, const std::string& run_dir) {...});
//
// run_job() (cli/job_launcher.h) looks here first, then in the runtime.
#pragma once
#include <functional>
#include <string>

namespace ragforge::full {

// Takes the composed config as YAML and the Hydra run dir; returns the exit code.
using NativeJobFn = std::function<int(const std::string& config_yaml, const std::string& run_dir)>;

struct NativeJobRegistration {
  NativeJobRegistration(const char* name, NativeJobFn fn);
};

// nullptr when no native job has that name.
const NativeJobFn* find_native_job(const std::string& name);

}  // namespace ragforge::full
