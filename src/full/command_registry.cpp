#include "full/command_registry.h"

namespace ragforge::full {
namespace {
std::vector<RegisteredCommand>& commands() {
  static std::vector<RegisteredCommand> list;
  return list;
}
}  // namespace

CommandRegistration::CommandRegistration(const char* name, const char* description,
                                         CommandSetup setup) {
  commands().push_back({name, description, std::move(setup)});
}

const std::vector<RegisteredCommand>& registered_commands() { return commands(); }

}  // namespace ragforge::full
