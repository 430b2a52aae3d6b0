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
#include "cli/hydra_apps.h"
#include "cli/shipped_app.h"
#include "settings/rag_fit_config.h"
#include "wandb/settings.h"

namespace ragforge::cli {
namespace {

const HydraAppRegistration kTrain(
    "train", "Fine-tune a model on retrieval-augmented data (RAG-FiT SFT); configs/training.yaml",
    [](const std::vector<std::string>& args) {
      return run_shipped_app("train", "training", args, [](const config::ConfigView& root) {
        settings::parse_rag_fit_config(root);
        wandb::wandb_settings(root);
        return std::string();
      });
    });

}  // namespace
}  // namespace ragforge::cli
