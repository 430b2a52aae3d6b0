// `train` (or `ragforge train`): RAG-FiT's training.py as a Hydra app over
// configs/training.yaml. With no arguments it trains the embedded default, a
// tiny Llama on the WordNet demo data:
//
//   train
//   train -cp configs/paper -cn training-asqa data_file=asqa-train.jsonl output_key=answers
//   train -m train.learning_rate=1e-4,5e-5 model.lora.r=8,16
//
// Everything up to the first training step that can be checked without
// LibTorch is checked here, so config mistakes answer in milliseconds.
#include <iostream>

#include "cli/hydra_apps.h"
#include "cli/install_paths.h"
#include "cli/job_launcher.h"
#include "config/app/hydra_app.h"
#include "config/config_view.h"
#include "config/yaml_emit.h"
#include "core/error.h"
#include "settings/rag_fit_config.h"
#include "wandb/settings.h"

namespace ragforge::cli {
namespace {

using config::app::JobContext;

// Everything that can be checked without LibTorch, before the run directory
// exists: a typo costs milliseconds and leaves nothing behind.
int check_training_config(const JobContext& job) {
  try {
    const config::ConfigView root(job.config(), job.unresolved_config());
    settings::parse_rag_fit_config(root);
    wandb::wandb_settings(root);
  } catch (const Error& e) {
    std::cerr << "Error in the training config: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int train_task(const JobContext& job) {
  return run_job("train", config::to_yaml(job.config()), job.output_dir());
}

const HydraAppRegistration kTrain(
    "train", "Fine-tune a model on retrieval-augmented data (RAG-FiT SFT); configs/training.yaml",
    [](const std::vector<std::string>& args) {
      register_share_resolver();
      config::app::HydraAppSpec spec;
      spec.name = "train";
      spec.config_dir = configs_dir();
      spec.config_name = "training";
      spec.prog = "train";
      spec.plugin_config_dirs = {configs_dir()};
      spec.before_sweep = sweep_handoff();
      spec.check_job = check_training_config;
      return config::app::run_hydra_app(spec, args, train_task);
    });

}  // namespace
}  // namespace ragforge::cli
