#include "settings/recipe_choice.h"

#include <any>

#include "config/instantiate.h"
#include "core/error.h"
#include "settings/clara_settings.h"
#include "settings/rag_fit_config.h"
#include "settings/step_confidence_settings.h"

namespace ragforge::settings {
namespace {

void register_recipe_targets() {
  if (config::has_target(kBlockRankTarget)) return;
  // Each factory parses the whole config (a mistake throws with its key) and
  // names the job that trains it.
  config::register_target(kBlockRankTarget, [](const config::TargetCall& call) -> std::any {
    parse_blockrank_train_config(call.config());
    return RecipeChoice{kBlockRankTarget, "blockrank-train"};
  });
  config::register_target(kStepConfidenceTarget, [](const config::TargetCall& call) -> std::any {
    parse_step_confidence_config(call.config());
    return RecipeChoice{kStepConfidenceTarget, "step-confidence-train"};
  });
  config::register_target(kClaraTarget, [](const config::TargetCall& call) -> std::any {
    parse_clara_config(call.config());
    return RecipeChoice{kClaraTarget, "clara-train"};
  });
}

}  // namespace

RecipeChoice choose_recipe(const config::ConfigView& root) {
  if (!root.has("_target_")) {
    try {
      parse_rag_fit_config(root);
    } catch (const Error& e) {
      if (!root.has("training")) throw;  // `training:` is BlockRank's layout, not RAG-FiT's `train:`
      throw Error(std::string(e.what()) + "\nThis looks like a BlockRank config (a training: section): name the recipe "
                  "with _target_: " + kBlockRankTarget + " in the file, or add +_target_=" + kBlockRankTarget);
    }
    return {"", "train"};
  }
  register_recipe_targets();
  std::any made = config::instantiate(root.root(), root.raw_root(), "");
  if (const auto* choice = std::any_cast<RecipeChoice>(&made)) return *choice;
  throw Error("_target_ '" + root.get_string("_target_") + "'" + root.origin_suffix("_target_") +
              " is not a recipe; the root _target_ names the recipe to train, e.g. " + kBlockRankTarget +
              " (without one, the config is a RAG-FiT training config)");
}

}  // namespace ragforge::settings
