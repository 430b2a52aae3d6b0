// What a recipe gives the training loop (train/trainer.h): parameters,
// batches, a loss and metrics. The loop owns everything else: accumulation,
// clipping, the optimizer and schedule, evaluation/logging/saving cadence,
// checkpoints, exact resume, signals and non-finite guards.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "train/optimizer.h"

namespace ragforge::train {

struct MicroBatch {
  std::map<std::string, torch::Tensor> tensors;  // recipe-defined: input_ids, attention_mask, labels, ...
  int64_t tokens = 0;                            // non-pad input tokens (throughput, train/tokens)
  std::vector<int64_t> sample_ids;               // dataset rows, for diagnostics
};

struct LossOutput {
  torch::Tensor loss;      // scalar float32 with its graph; the mean over `supervised`
  int64_t supervised = 0;  // supervised units in the micro-batch; 0 = empty supervision (loss 0)
  std::map<std::string, double> metrics;  // extra "train/..." values, averaged over the step
};

class Recipe {
 public:
  virtual ~Recipe() = default;

  // The module tree (train()/eval() switching) and what the optimizer updates.
  virtual torch::nn::Module& module() = 0;
  virtual NamedParameters trainable_parameters() = 0;

  // The training set as micro-batches. micro_batch(epoch, i) depends only on
  // the run seed, epoch and i, so the data position of a resume is (epoch, i).
  virtual int64_t micro_batches_per_epoch() const = 0;
  virtual MicroBatch micro_batch(int64_t epoch, int64_t index) = 0;
  virtual LossOutput loss(const MicroBatch& batch) = 0;

  // In-training validation ("val/loss", ...), run in eval mode without
  // gradients; empty when the recipe has no dev set.
  virtual std::map<std::string, double> evaluate() { return {}; }
  // Counters to report once ("data/skipped_no_marker", ...).
  virtual std::map<std::string, double> data_counters() const { return {}; }

  // Trainable weights in and out of a checkpoint directory (adapters, or the
  // full model), and the final artefact under output_dir (a PEFT adapter in
  // checkpoint/, or an HF folder).
  virtual void save_weights(const std::string& dir) = 0;
  virtual void load_weights(const std::string& dir) = 0;
  virtual void save_final(const std::string& output_dir) = 0;
};

}  // namespace ragforge::train
