// The CLaRa recipe as the training loop sees it (train/recipe.h, recipes.md
// §2): one base LM with named LoRA adapters (clara_adapters.h), micro-batches
// from clara_batch.h, the stage's forward and loss from clara_step.h, and
// checkpoints in §2.8's layout (clara_checkpoint.h).
//
//   ClaraRecipe recipe(prepare_clara_model(settings, device), rows, eval_rows, options);
//   train::train(recipe, settings.args, context);
//
// What trains: the stage's adapters (stage1/1_2 encoder + decoder, stage2
// query_reasoner + decoder, stage2_pretrain_retrieval query_reasoner) and the
// <MEM*> rows of the embedding matrix; the rest of the model is frozen.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "data/batch_plan.h"
#include "data/clara_rows.h"
#include "hf/pretrained.h"
#include "recipes/clara/clara_batch.h"
#include "recipes/clara/clara_checkpoint.h"
#include "recipes/clara/clara_eval.h"
#include "settings/clara_settings.h"
#include "train/recipe.h"

namespace ragforge::recipes::clara {

// The base model with CLaRa's added tokens, the stage's adapters (§2.5) and,
// after stage 1, the previous checkpoint's embedding/lm_head rows. Errors name
// a missing or mismatched pretrain_checkpoint.
hf::PretrainedModel prepare_clara_model(const settings::ClaraSettings& s, torch::Device device,
                                        std::vector<std::string>& trainable_adapters);

struct ClaraRecipeOptions {
  ClaraBatchOptions batch;
  bool mse_loss = true;
  bool gradient_checkpointing = false;
  int64_t batch_size = 2, eval_batch_size = 2, accumulation = 1;
  int64_t debug_every_steps = 0, debug_max_print_tokens = 100;
  bool do_eval_gen = false;
  // The loop's evaluation cadence in steps, 0 = each epoch; do_eval_gen generates every 5 · that.
  int64_t eval_steps = 0;
  ClaraCheckpointConfig checkpoint;  // what clara_config.json says
};

ClaraRecipeOptions clara_recipe_options(const settings::ClaraSettings& s);

class ClaraRecipe final : public train::Recipe {
 public:
  ClaraRecipe(hf::PretrainedModel model, std::vector<std::string> trainable_adapters, std::vector<data::ClaraRow> rows,
              std::vector<data::ClaraRow> eval_rows, ClaraRecipeOptions options);

  torch::nn::Module& module() override { return *model_.lm; }
  train::NamedParameters trainable_parameters() override;
  int64_t micro_batches_per_epoch() const override { return plan_.batches_per_epoch(); }
  train::MicroBatch micro_batch(int64_t epoch, int64_t index) override;
  train::LossOutput loss(const train::MicroBatch& batch) override;
  std::map<std::string, double> evaluate() override;
  void save_weights(const std::string& dir) override;
  void load_weights(const std::string& dir) override;
  void save_final(const std::string& output_dir) override;

  hf::PretrainedModel& model() { return model_; }
  const ClaraCodec& codec() const { return codec_; }

 private:
  int64_t step_group() const;      // micro-batches per optimizer step, all ranks
  int64_t steps_per_epoch() const;
  int64_t optimizer_step() const;  // 1-based, of the micro-batch last read
  bool debug_due() const;
  void print_debug(const train::MicroBatch& batch, const torch::Tensor& first_row_logits) const;
  std::vector<const data::ClaraRow*> rows_of(const std::vector<int64_t>& indices,
                                             const std::vector<data::ClaraRow>& pool) const;

  hf::PretrainedModel model_;
  std::vector<std::string> trainable_adapters_;
  std::vector<data::ClaraRow> rows_, eval_rows_;
  ClaraRecipeOptions options_;
  data::BatchPlan plan_;
  ClaraCodec codec_;
  int64_t epoch_ = 0, index_ = 0;  // the micro-batch loss() is about to see
};

}  // namespace ragforge::recipes::clara
