// Which recipe a training config trains, chosen by its `_target_` through the
// config::instantiate registry (torch-free, so `train` answers config
// mistakes before LibTorch loads):
//   _target_: ragforge.recipes.BlockRank     BlockRank (recipes.md §3)
//   no root _target_                         RAG-FiT SFT, training.yaml's layout
//                                            (model._target_: ragfit.models.hf.HFTrain)
// The chosen recipe's settings parser validates the whole config here.
#pragma once
#include <string>

#include "config/config_view.h"
#include "settings/blockrank_settings.h"  // kBlockRankTarget

namespace ragforge::settings {

struct RecipeChoice {
  std::string target;  // the `_target_` as registered ("" for RAG-FiT's layout)
  std::string job;     // the runtime job that trains it (runtime/job_registry.h)
};

// Throws ragforge::Error for an unknown `_target_` (with the closest
// registered one) or for any mistake the recipe's parser finds.
RecipeChoice choose_recipe(const config::ConfigView& root);

}  // namespace ragforge::settings
