// `processing` (or `ragforge processing`): RAG-FiT's processing.py as a Hydra
// app over configs/processing.yaml. It runs the `steps:` pipeline (loaders,
// normalizers, retrieval, context, prompts, sampling, RAFT, output) and
// writes `{prefix}-{split}.jsonl` files for training and inference:
//
//   processing -cp configs/paper -cn processing-asqa-context
//   processing -cp configs/paper -cn processing-asqa-baseline steps.0.filename=my-dev.jsonl
//   processing cache=false
//
// The whole pipeline is checked here, without starting the job: an unknown
// step, a missing or mistyped parameter or a dataset no earlier step loads
// answers in milliseconds.
#include <iostream>

#include "cli/hydra_apps.h"
#include "cli/install_paths.h"
#include "cli/job_launcher.h"
#include "config/app/hydra_app.h"
#include "config/config_view.h"
#include "config/yaml_emit.h"
#include "core/error.h"
#include "settings/processing_settings.h"

namespace ragforge::cli {
namespace {

using config::app::JobContext;

int check_processing_config(const JobContext& job) {
  try {
    settings::parse_processing_settings(config::ConfigView(job.config(), job.unresolved_config()));
  } catch (const Error& e) {
    std::cerr << "Error in the processing config: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

const HydraAppRegistration kProcessing(
    "processing", "Build RAG datasets with RAG-FiT's processing pipeline (steps:); configs/processing.yaml",
    [](const std::vector<std::string>& args) {
      register_share_resolver();
      config::app::HydraAppSpec spec;
      spec.name = "processing";
      spec.config_dir = configs_dir();
      spec.config_name = "processing";
      spec.prog = "processing";
      spec.plugin_config_dirs = {configs_dir()};
      spec.before_sweep = sweep_handoff();
      spec.check_job = check_processing_config;
      return config::app::run_hydra_app(spec, args, [](const JobContext& job) {
        return run_job("processing", config::to_yaml(job.config()), job.output_dir());
      });
    });

}  // namespace
}  // namespace ragforge::cli
