#include "cli/hydra_apps.h"

namespace ragforge::cli {
namespace {
std::vector<RegisteredHydraApp>& hydra_apps() {
  static std::vector<RegisteredHydraApp> list;
  return list;
}
}  // namespace

HydraAppRegistration::HydraAppRegistration(const char* name, const char* description,
                                           HydraAppMain main) {
  hydra_apps().push_back({name, description, std::move(main)});
}

const std::vector<RegisteredHydraApp>& registered_hydra_apps() { return hydra_apps(); }

namespace {
const RegisteredHydraApp* app_named(const std::string& name) {
  for (const auto& app : hydra_apps())
    if (app.name == name) return &app;
  return nullptr;
}
std::string file_name(const char* path) {
  std::string s = path;
  return s.substr(s.rfind('/') + 1);
}
}  // namespace

const RegisteredHydraApp* find_hydra_app(int argc, char** argv) {
  if (argc < 1) return nullptr;
  if (const auto* app = app_named(file_name(argv[0]))) return app;
  return argc > 1 ? app_named(argv[1]) : nullptr;
}

std::vector<std::string> hydra_app_args(int argc, char** argv) {
  const int first = app_named(file_name(argv[0])) ? 1 : 2;
  return {argv + first, argv + argc};
}

}  // namespace ragforge::cli
