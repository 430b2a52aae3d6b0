#include "cli/job_launcher.h"

#include <cstdlib>

#include "cli/install_paths.h"

namespace ragforge::cli {
namespace {
SweepHandoff& handoff_slot() {
  static SweepHandoff handoff;
  return handoff;
}
}  // namespace

std::string full_executable_path() {
  if (const char* env = std::getenv("RAGFORGE_FULL_EXE"); env && *env) return env;
  return executable_dir() + "/ragforge-full";
}

void set_sweep_handoff(SweepHandoff handoff) { handoff_slot() = std::move(handoff); }
const SweepHandoff& sweep_handoff() { return handoff_slot(); }

}  // namespace ragforge::cli
