// `ragforge compose`: a generic Hydra app with no config folder of its own
// (`@hydra.main(config_path=None, config_name=None)`). Point it at configs
// with -cd/-cp/-cn; every Hydra flag works (--cfg, --info, -m, ...). A run
// prints the job's overrides and its resolved config:
//
//   $ ragforge compose -cd configs -cn train model=phi3_mini
//   == job  overrides: ['model=phi3_mini']
//   model:
//     name: phi3_mini
//   ...
#include <iostream>

#include "cli/hydra_apps.h"
#include "config/app/hydra_app.h"
#include "config/interpolation_error.h"  // InterpolationError
#include "config/python_str.h"  // python_repr: the override list as Python prints it
#include "config/yaml_emit.h"    // to_yaml

namespace {

using ragforge::config::Node;
using namespace ragforge::config::app;

int compose_task(const JobContext& job) {
  // As HydraConfig.get().overrides.task reads them: resolved (`\${x}` ->
  // `${x}`); an override whose value is an interpolation that does not
  // resolve in this context is shown as typed.
  Node overrides = Node::list();
  for (size_t i = 0; i < job.overrides().size(); ++i) {
    try {
      overrides.push_back(job.select("hydra.overrides.task." + std::to_string(i)));
    } catch (const ragforge::config::InterpolationError&) {
      overrides.push_back(Node::string(job.overrides()[i]));
    }
  }
  std::string num = job.num() ? std::to_string(*job.num()) : "";
  std::cout << "== job " << num << " overrides: " << ragforge::config::python_repr(overrides) << "\n";
  std::cout.flush();
  std::cout << ragforge::config::to_yaml(job.config());
  std::cout.flush();
  return 0;
}

const ragforge::cli::HydraAppRegistration kCompose(
    "compose", "Compose a Hydra config (-cd/-cp/-cn) and print it, as a @hydra.main app would",
    [](const std::vector<std::string>& args) {
      HydraAppSpec spec;
      spec.name = "compose";
      spec.prog = "ragforge compose";
      return run_hydra_app(spec, args, compose_task);
    });

}  // namespace
