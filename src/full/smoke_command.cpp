// `ragforge smoke`: a LibTorch self-check (see runtime/smoke_job.cpp).
#include "cli/job_launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {
const CommandRegistration reg("smoke", "Run a LibTorch matmul (and CUDA kernel) self-check",
                              [](CLI::App&) -> CommandRun { return [] { return cli::run_job("smoke"); }; });
}  // namespace
}  // namespace ragforge::full
