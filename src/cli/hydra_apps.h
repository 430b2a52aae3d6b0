// The Hydra apps the `ragforge` executable answers itself (compose, train, ...).
// They take Hydra's command line and register from their own file:
//
//   const HydraAppRegistration kTrain("train", "Fine-tune ...", [](const auto& args) { ... });
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace ragforge::cli {

using HydraAppMain = std::function<int(const std::vector<std::string>& args)>;

struct HydraAppRegistration {
  HydraAppRegistration(const char* name, const char* description, HydraAppMain main);
};

struct RegisteredHydraApp {
  std::string name, description;
  HydraAppMain main;
};

const std::vector<RegisteredHydraApp>& registered_hydra_apps();

// Busybox-style dispatch: the app named by argv[0]'s file name (`train ...`)
// or by argv[1] (`ragforge train ...`); nullptr for neither.
const RegisteredHydraApp* find_hydra_app(int argc, char** argv);
// The app's own arguments: what follows its name.
std::vector<std::string> hydra_app_args(int argc, char** argv);

}  // namespace ragforge::cli
