#include "cli/command_registry.h"

namespace ragforge::cli {
namespace {
std::vector<RegisteredCommand>& commands() {
  static std::vector<RegisteredCommand> list;
  return list;
}
std::vector<RegisteredHydraApp>& hydra_apps() {
  static std::vector<RegisteredHydraApp> list;
  return list;
}
}  // namespace

CommandRegistration::CommandRegistration(const char* name, const char* description,
                                         CommandSetup setup) {
  commands().push_back({name, description, std::move(setup)});
}
HydraAppRegistration::HydraAppRegistration(const char* name, const char* description,
                                           HydraAppMain main) {
  hydra_apps().push_back({name, description, std::move(main)});
}

const std::vector<RegisteredCommand>& registered_commands() { return commands(); }
const std::vector<RegisteredHydraApp>& registered_hydra_apps() { return hydra_apps(); }

}  // namespace ragforge::cli
