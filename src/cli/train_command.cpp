// `train` (or `ragforge train`): every recipe's training as one Hydra app over
// configs/training.yaml (RAG-FiT's training.py); a config whose root
// `_target_` names another recipe trains that one (settings/recipe_choice.h).
// With no arguments it trains the embedded default, a tiny Llama on the
// WordNet demo data:
//
//   train
//   train -cp configs/paper -cn training-asqa data_file=asqa-train.jsonl output_key=answers
//   train -m train.learning_rate=1e-4,5e-5 model.lora.r=8,16
//
// Everything up to the first training step that can be checked without
// LibTorch is checked here, so config mistakes answer in milliseconds.
#include "cli/hydra_apps.h"
#include "cli/shipped_app.h"
#include "settings/recipe_choice.h"
#include "wandb/settings.h"

namespace ragforge::cli {
namespace {

const HydraAppRegistration kTrain(
    "train", "Train a recipe: RAG-FiT SFT (configs/training.yaml) or the one the config's _target_ names",
    [](const std::vector<std::string>& args) {
      return run_shipped_app("train", "training", args, [](const config::ConfigView& root) {
        const settings::RecipeChoice recipe = settings::choose_recipe(root);
        wandb::wandb_settings(root);
        return recipe.job;
      });
    });

}  // namespace
}  // namespace ragforge::cli
