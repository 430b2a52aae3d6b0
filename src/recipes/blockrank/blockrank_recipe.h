// The BlockRank recipe as the training loop sees it (train/recipe.h):
// batches of block-laid-out ranking prompts, lm_loss + λ·aux_loss, the same
// on the validation split, and the full model (or the LoRA adapter) saved.
#pragma once
#include <string>

#include "data/batch_plan.h"
#include "data/ranking_collate.h"
#include "data/ranking_data.h"
#include "hf/pretrained.h"
#include "recipes/blockrank/blockrank_loss.h"
#include "train/recipe.h"

namespace ragforge::recipes::blockrank {

struct BlockRankRecipeOptions {
  int64_t batch_size = 1, eval_batch_size = 1;
  uint64_t seed = 42;
  BlockRankLossOptions loss;
  data::RankingCollateOptions collate;
};

class BlockRankRecipe final : public train::Recipe {
 public:
  BlockRankRecipe(hf::PretrainedModel model, data::RankingData data, BlockRankRecipeOptions options);

  torch::nn::Module& module() override { return *model_.lm; }
  train::NamedParameters trainable_parameters() override;
  int64_t micro_batches_per_epoch() const override { return plan_.batches_per_epoch(); }
  train::MicroBatch micro_batch(int64_t epoch, int64_t index) override;
  train::LossOutput loss(const train::MicroBatch& batch) override;
  std::map<std::string, double> evaluate() override;
  std::map<std::string, double> data_counters() const override;
  void save_weights(const std::string& dir) override;
  void load_weights(const std::string& dir) override;
  void save_final(const std::string& output_dir) override;

  // Model FLOPs per trained token (conventions.md §8) with block-sparse attention.
  double flops_per_token() const;

 private:
  train::MicroBatch collate(const std::vector<int64_t>& rows, const std::vector<data::RankingExample>& pool) const;

  hf::PretrainedModel model_;
  data::RankingData data_;
  BlockRankRecipeOptions options_;
  data::BatchPlan plan_;
};

}  // namespace ragforge::recipes::blockrank
