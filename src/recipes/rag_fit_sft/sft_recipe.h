// The RAG-FiT SFT recipe as the training loop sees it (train/recipe.h):
// padded batches of tokenized prompts, the causal-LM loss on the tokens after
// `completion_start`, validation loss on the dev split, and the adapter (or
// the full model) as what is saved.
#pragma once
#include <string>

#include "data/batch_plan.h"
#include "data/sft_data.h"
#include "recipes/rag_fit_sft/hf_train_model.h"
#include "train/recipe.h"

namespace ragforge::recipes {

struct SftRecipeOptions {
  int64_t batch_size = 1, eval_batch_size = 1;
  uint64_t seed = 42;
  bool group_by_length = false;
  bool gradient_checkpointing = false;
};

class SftRecipe final : public train::Recipe {
 public:
  SftRecipe(hf::PretrainedModel model, data::SftData data, SftRecipeOptions options);

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

  // Model FLOPs per trained token (conventions.md §8) at the mean sequence length.
  double flops_per_token() const;

 private:
  train::MicroBatch to_device(const std::vector<int64_t>& rows, const std::vector<data::SftExample>& pool) const;

  hf::PretrainedModel model_;
  data::SftData data_;
  SftRecipeOptions options_;
  data::BatchPlan plan_;
  int32_t pad_id_ = 0;
};

}  // namespace ragforge::recipes
