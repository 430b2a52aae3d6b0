// The step-confidence recipe as the training loop sees it (train/recipe.h,
// recipes.md §4): an HF causal LM reads step-labelled reasoning with a
// <CONFIDENCE> marker after each step; the head maps the final-norm hidden
// state at each marker to a confidence, trained with MSE on the valid steps.
//
// Batches come from the mixture sampler (data/step_confidence_mixture.h):
// micro-batch i holds draws i·B .. i·B+B-1, a pure function of (seed, i), so
// the loop's data position is the sampler's whole state. Validation is
// sequential over the test splits.
//
// LoRA mode trains the adapter, the head and the marker's embedding row
// (Decision 3): the row is its own parameter, spliced into the input
// embeddings at marker tokens, so no other row of the frozen matrix moves
// (weight decay included); it is written back into the matrix when saved.
#pragma once
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "data/step_confidence_encode.h"
#include "data/step_confidence_mixture.h"
#include "evaluation/confidence_metrics.h"
#include "hf/pretrained.h"
#include "recipes/step_confidence/confidence_head.h"
#include "train/recipe.h"

namespace ragforge::recipes::step_confidence {

// Encoded examples of one split: rows, and each row's dataset index.
struct StepSplit {
  std::vector<data::EncodedSteps> rows;
  std::vector<size_t> source;  // index into StepConfidenceData::names
  int64_t truncated_steps = 0;
};

struct StepConfidenceData {
  std::vector<std::string> names;    // enabled datasets, prm800k/reveal/eqasc order
  std::vector<double> weights;       // per name
  std::vector<StepSplit> train;      // per name
  StepSplit val;                     // all test splits, in name order
};

struct StepConfidenceOptions {
  int64_t batch_size = 4, eval_batch_size = 4, accumulation = 1, max_steps = 10000;
  int64_t max_eval_batches = 100;  // 0: all
  int ece_bins = 10;
  bool per_dataset = true;
  bool gradient_checkpointing = true;
  uint64_t seed = 42;
  torch::Dtype head_dtype = torch::kFloat32;
  ConfidenceHeadOptions head;
  std::string run_dir;      // <output_dir>/<experiment_name>: logs/, checkpoints/
  std::string config_yaml;  // written as config.yaml into each checkpoint
};

// One scored step, for predictions.json.
struct StepPrediction {
  std::string source;
  int64_t step_index = 0;
  double prediction = 0, label = 0;
};

struct SplitScores {
  double loss = 0;  // mean of per-batch MSE
  evaluation::ConfidenceMetrics overall;
  std::vector<std::pair<std::string, evaluation::ConfidenceMetrics>> per_dataset;
  std::vector<StepPrediction> predictions;
};

class StepConfidenceModelImpl : public torch::nn::Module {
 public:
  StepConfidenceModelImpl(model::CausalLM backbone, ConfidenceHead head);
  model::CausalLM backbone{nullptr};
  ConfidenceHead head{nullptr};
};
TORCH_MODULE(StepConfidenceModel);

class StepConfidenceRecipe final : public train::Recipe {
 public:
  StepConfidenceRecipe(hf::PretrainedModel model, StepConfidenceData data, StepConfidenceOptions options);

  torch::nn::Module& module() override { return *net_; }
  train::NamedParameters trainable_parameters() override;
  int64_t micro_batches_per_epoch() const override { return options_.max_steps * options_.accumulation; }
  train::MicroBatch micro_batch(int64_t epoch, int64_t index) override;
  train::LossOutput loss(const train::MicroBatch& batch) override;
  std::map<std::string, double> evaluate() override;
  std::map<std::string, double> data_counters() const override;
  void save_weights(const std::string& dir) override;
  void load_weights(const std::string& dir) override;
  void save_final(const std::string& output_dir) override;

  // Predictions [B, S] for a collated batch (no grad handling here).
  torch::Tensor predict(const train::MicroBatch& batch);
  // Scores a split in eval mode without gradients; max_batches 0 = all.
  SplitScores score(const StepSplit& split, int64_t max_batches, bool keep_predictions);
  const StepConfidenceData& data() const { return data_; }
  int32_t marker_id() const { return marker_id_; }
  void log(const std::string& message);  // logs/train.log and stderr

 private:
  train::MicroBatch collate(const std::vector<const data::EncodedSteps*>& rows) const;
  void write_best_json() const;

  hf::PretrainedModel model_;
  StepConfidenceData data_;
  StepConfidenceOptions options_;
  StepConfidenceModel net_{nullptr};
  std::optional<data::MixtureSampler> sampler_;  // absent without training data (evaluation)
  int32_t marker_id_ = 0, pad_id_ = 0;
  torch::Tensor marker_row_;  // LoRA mode: [1, d] trainable row of the marker token
  int64_t last_index_ = -1;   // the newest micro-batch drawn (its step = index / accum + 1)
  std::optional<double> best_loss_;
  int64_t best_step_ = 0;
  std::map<std::string, double> final_;  // final/* after save_final
};

}  // namespace ragforge::recipes::step_confidence
