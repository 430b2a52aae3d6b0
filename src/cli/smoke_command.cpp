// `ragforge smoke`: a LibTorch self-check (see runtime/smoke_job.cpp).
#include "cli/command_registry.h"
#include "cli/runtime_loader.h"

namespace ragforge::cli {
namespace {
const CommandRegistration reg("smoke", "Run a LibTorch matmul (and CUDA kernel) self-check",
                              [](CLI::App&) -> CommandRun { return [] { return run_job("smoke"); }; });
}  // namespace
}  // namespace ragforge::cli
