// The seam between the torch-free executables and the LibTorch runtime.
//
// Loading LibTorch costs ~0.6 s per process, so executables parse arguments
// and compose configs without it and dlopen libragforge_torch.so only when a
// job really runs. This header is the whole contract: plain C, no torch types.
#pragma once

#define RAGFORGE_JOB_ABI_VERSION 1

#ifdef __cplusplus
extern "C" {
#endif

// Runs the job `job_name` (e.g. "train", "runtime-info") on the composed config
// given as YAML text. `run_dir` is the Hydra output directory ("" for none).
// Returns the process exit code; errors are printed to stderr by the runtime.
typedef int (*ragforge_job_main_fn)(int abi_version, const char* job_name,
                                    const char* config_yaml, const char* run_dir);

#define RAGFORGE_JOB_MAIN_SYMBOL "ragforge_job_main"

#ifdef __cplusplus
}
#endif
