#include "cli/shipped_app.h"

#include <exception>
#include <iostream>
#include <memory>

#include "cli/install_paths.h"
#include "cli/job_launcher.h"
#include "config/app/hydra_app.h"
#include "config/yaml_emit.h"
#include "core/error.h"

namespace ragforge::cli {

int run_shipped_app(const std::string& app, const std::string& what, const std::vector<std::string>& args,
                    const ConfigCheck& check, const AppSpecHook& customize) {
  register_share_resolver();
  config::app::HydraAppSpec spec;
  spec.name = app;
  spec.config_dir = configs_dir();
  spec.config_name = app == "train" ? "training" : app;
  spec.prog = app;
  spec.plugin_config_dirs = {configs_dir()};
  spec.before_sweep = sweep_handoff();
  auto job_name = std::make_shared<std::string>(app);  // set by the check, read by the job
  spec.check_job = [check, what, app, job_name](const config::app::JobContext& job) {
    try {
      const std::string chosen = check(config::ConfigView(job.config(), job.unresolved_config()));
      *job_name = chosen.empty() ? app : chosen;
    } catch (const std::exception& e) {  // ragforge::Error, or anything unexpected: still a clear exit
      std::cerr << "Error in the " << what << " config: " << e.what() << "\n";
      return 1;
    }
    return 0;
  };
  if (customize) customize(spec);
  return config::app::run_hydra_app(spec, args, [job_name](const config::app::JobContext& job) {
    return run_job(*job_name, config::to_yaml(job.config()), job.output_dir());
  });
}

}  // namespace ragforge::cli
