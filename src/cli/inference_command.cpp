// `inference` (or `ragforge inference`): RAG-FiT's inference.py as a Hydra
// app over configs/inference.yaml. It prompts a model (plus an optional PEFT
// adapter) exactly as training did and writes one {text, target} line per
// row of data_file to generated_file; a rerun resumes after the lines
// already there.
//
//   inference model.lora_path=./trained_models/checkpoint data_file=dev.jsonl generated_file=dev-gen.jsonl
//   inference -cp configs/paper -cn inference-asqa model.model_name_or_path=<folder>
#include <iostream>

#include "cli/hydra_apps.h"
#include "cli/install_paths.h"
#include "cli/job_launcher.h"
#include "config/app/hydra_app.h"
#include "config/config_view.h"
#include "config/yaml_emit.h"
#include "core/error.h"
#include "settings/inference_settings.h"

namespace ragforge::cli {
namespace {

using config::app::JobContext;

int check_inference_config(const JobContext& job) {
  try {
    settings::parse_inference_settings(config::ConfigView(job.config(), job.unresolved_config()));
  } catch (const Error& e) {
    std::cerr << "Error in the inference config: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

const HydraAppRegistration kInference(
    "inference", "Generate answers with a model and optional adapter (RAG-FiT inference); configs/inference.yaml",
    [](const std::vector<std::string>& args) {
      register_share_resolver();
      config::app::HydraAppSpec spec;
      spec.name = "inference";
      spec.config_dir = configs_dir();
      spec.config_name = "inference";
      spec.prog = "inference";
      spec.plugin_config_dirs = {configs_dir()};
      spec.before_sweep = sweep_handoff();
      spec.check_job = check_inference_config;
      return config::app::run_hydra_app(spec, args, [](const JobContext& job) {
        return run_job("inference", config::to_yaml(job.config()), job.output_dir());
      });
    });

}  // namespace
}  // namespace ragforge::cli
