// Finds and dlopens libragforge_torch.so, so executables start without LibTorch.
#pragma once
#include <string>

namespace ragforge::cli {

// $RAGFORGE_RUNTIME_LIB, else <dir of this executable>/../lib/libragforge_torch.so
// (the same relative layout in the build tree and in an install).
std::string runtime_library_path();

// Loads the runtime and runs `job` on the composed config. Returns its exit
// code; a runtime that cannot be loaded is reported as an error (exit 2).
int run_job(const std::string& job, const std::string& config_yaml = "",
            const std::string& run_dir = "");

}  // namespace ragforge::cli
