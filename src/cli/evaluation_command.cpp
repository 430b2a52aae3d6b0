// `evaluation` (or `ragforge evaluation`): RAG-FiT's evaluation.py as a
// Hydra app over configs/evaluation.yaml. It scores a generated file
// (inference output, line i answering data row i) against the data file
// holding the labels, with RAG-FiT's metrics computed natively:
//
//   evaluation generated_file=x-generated.jsonl data_file=x.jsonl
//   evaluation -cp configs/paper -cn evaluation-pubmed generated_file=... data_file=... results_file=...
//   evaluation '~metrics.1' key_names.label=answer-short
//
// The whole config, every metric name included, is checked here before the
// run directory exists, so a typo or a metric ragforge does not implement
// answers in milliseconds and leaves nothing behind. The job itself runs in
// ragforge-full without LibTorch (full/evaluation_job.cpp).
#include <iostream>

#include "cli/hydra_apps.h"
#include "cli/install_paths.h"
#include "cli/job_launcher.h"
#include "config/app/hydra_app.h"
#include "config/config_view.h"
#include "config/yaml_emit.h"
#include "core/error.h"
#include "settings/evaluation_settings.h"

namespace ragforge::cli {
namespace {

using config::app::JobContext;

int check_evaluation_config(const JobContext& job) {
  try {
    const config::ConfigView root(job.config(), job.unresolved_config());
    settings::parse_evaluation_settings(root);
  } catch (const Error& e) {
    std::cerr << "Error in the evaluation config: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int evaluation_task(const JobContext& job) {
  return run_job("evaluation", config::to_yaml(job.config()), job.output_dir());
}

const HydraAppRegistration kEvaluation(
    "evaluation", "Score generated answers against their data file (RAG-FiT evaluation); configs/evaluation.yaml",
    [](const std::vector<std::string>& args) {
      register_share_resolver();
      config::app::HydraAppSpec spec;
      spec.name = "evaluation";
      spec.config_dir = configs_dir();
      spec.config_name = "evaluation";
      spec.prog = "evaluation";
      spec.plugin_config_dirs = {configs_dir()};
      spec.before_sweep = sweep_handoff();
      spec.check_job = check_evaluation_config;
      return config::app::run_hydra_app(spec, args, evaluation_task);
    });

}  // namespace
}  // namespace ragforge::cli
