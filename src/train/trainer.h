// The one training loop every recipe shares (style.md §6): a plain function
// that takes the recipe (parameters, batches, loss) and the HF-style
// TrainingArguments and owns what is easy to get wrong four times:
// accumulation and loss reduction, clipping, the optimizer and schedule,
// logging/eval/save cadence, atomic checkpoints, exact resume, signals and
// non-finite guards.
//
//   train::TrainerContext ctx;
//   ctx.run_dir = run_dir;  ctx.config_yaml = resolved_yaml;
//   auto result = train::train(recipe, args, std::move(ctx));
//   return result.exit_code;   // 0, 143 (SIGTERM/SIGUSR1/sink stop), 130 (SIGINT), 1 (NaN stop)
//
// A step: micro-batches [i, i+accum) of the current epoch (a final partial
// group still steps); each loss is divided by the number of micro-batches
// (microbatch_mean) or weighted by its supervised count over the step's
// (token_mean); micro-batches without supervision add 0. The pre-clip global
// norm is logged as train/grad_norm, gradients are clipped to max_grad_norm
// and the optimizer steps at learning_rate × lr_multiplier(step, S).
//
// fp16 (train.fp16): dynamic loss scaling as HF Trainer with GradScaler
// (train/loss_scaler.h): each micro-batch's loss is scaled before backward,
// the gradients are unscaled once per step before the norm and clipping, and
// a step whose gradients overflow makes no update and no scheduler step
// (counted in train/overflow_skipped, not in train/nonfinite_skipped);
// train/loss_scale is logged. The scaler's state is in every checkpoint.
//
// Multi-process (RANK/WORLD_SIZE set, src/distributed/): the same loop on
// every rank; the recipe does not know. A step covers accum × world
// micro-batches (global batch = micro × accum × world), rank r computing every
// world-th one from r; gradients are summed across ranks with bucketed
// all-reduce overlapping the last backward (train.distributed.bucket_mb), and
// the loss, counts, grad norm and metrics are reduced so each logged number
// means what it means at world size 1. Rank 0 alone writes metrics.jsonl,
// W&B, the console, checkpoints (optimizer shards and every rank's random
// state gathered to it) and final_results.json; every rank evaluates the
// whole dev set. A signal on any rank stops all ranks at the next step
// boundary with one checkpoint. train.distributed.zero_stage 1|2 shards the
// optimizer state (and the gradients); checkpoints are the same at every
// stage and world size. A resume at the same world size is exact; at another
// it continues from the same sample position.
//
// Files: <run_dir>/logs/metrics.jsonl (conventions.md §5);
// {output_dir}/checkpoint-<step>/{<recipe weights>, trainer_state/} with a
// `latest` pointer and best.json (§7); {output_dir}/nan-<step>/ when NaN stops
// the run; the recipe's final artefact and {output_dir}/final_results.json.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/sink.h"
#include "settings/training_arguments.h"
#include "train/loss_scaler.h"
#include "train/recipe.h"

namespace ragforge::train {

struct TrainerContext {
  std::string run_dir;      // Hydra run dir: logs/metrics.jsonl goes under it ("" → output_dir)
  std::string config_yaml;  // the resolved config (its hash goes into checkpoints)
  std::vector<std::unique_ptr<metrics::Sink>> sinks;  // extra sinks (W&B), after metrics.jsonl
  double flops_per_token = 0;  // conventions.md §8; > 0 with a known GPU reports sys/mfu
  // GradScaler's knobs (no HF TrainingArguments key sets them); `enabled` is
  // ignored: train.fp16 decides.
  LossScalerOptions loss_scaler;
};

struct TrainResult {
  int exit_code = 0;
  int64_t global_step = 0;
  double train_loss = 0;          // mean step loss of this run (HF's train_loss)
  nlohmann::ordered_json metrics; // what final_results.json holds (empty when stopped early)
};

TrainResult train(Recipe& recipe, const settings::TrainingArguments& args, TrainerContext context);

// ceil(num_train_epochs × ceil(micro_batches/(accum × world_size))), or
// max_steps when > 0.
int64_t total_training_steps(const settings::TrainingArguments& args, int64_t micro_batches_per_epoch,
                             int world_size = 1);

}  // namespace ragforge::train
