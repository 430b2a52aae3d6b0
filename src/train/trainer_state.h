// What a checkpoint's trainer_state/ holds besides the recipe's weights
// (conventions.md §7): state.json (counters, data position, schedule, best
// metric, sink state, fp16 loss-scaler state, config hash, ragforge
// version), optimizer.safetensors and rng.safetensors.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "train/optimizer.h"

namespace ragforge::train {

struct TrainerState {
  int64_t global_step = 0;     // completed optimizer steps
  int64_t epoch = 0;           // data position of the next micro-batch:
  int64_t index_in_epoch = 0;  //   recipe.micro_batch(epoch, index_in_epoch)
  int64_t tokens_seen = 0;
  int64_t samples_seen = 0;
  int64_t skipped_empty = 0;       // micro-batches without supervision
  int64_t nonfinite_skipped = 0;   // updates skipped for a NaN/Inf loss or norm
  int64_t consecutive_nonfinite = 0;
  int64_t overflow_skipped = 0;    // fp16: updates skipped for inf/NaN gradients at the loss scale
  int64_t scheduler_step = 0;      // lr-scheduler steps taken (an overflow skip takes none)
  std::optional<double> best_metric;  // lowest val/loss (or eval/loss) so far
  int64_t best_step = -1;
  // The run's settings, compared on resume.
  int64_t seed = 0, max_steps = -1, total_steps = 0;
  std::string config_hash;
  nlohmann::json scheduler = nlohmann::json::object();  // name, base_lr, warmup_steps, total_steps
  nlohmann::json sinks = nlohmann::json::array();       // Sink::checkpoint_state() of the extra sinks
  nlohmann::json loss_scaler = nullptr;                 // LossScaler::state_dict(); null without fp16
};

nlohmann::ordered_json to_json(const TrainerState& state);
// `source` names the file in errors.
TrainerState trainer_state_from_json(const nlohmann::json& json, const std::string& source);

// Writes <checkpoint_dir>/trainer_state/{state.json, optimizer.safetensors,
// rng.safetensors}; state.json last, since its presence marks the checkpoint complete.
void save_trainer_state(const std::string& checkpoint_dir, const TrainerState& state, const Optimizer& optimizer);
// The same from already gathered tensors (multi-process: the whole optimizer
// state and every rank's generators, collected on rank 0).
void save_trainer_state(const std::string& checkpoint_dir, const TrainerState& state,
                        const std::map<std::string, torch::Tensor>& optimizer_state,
                        const std::map<std::string, torch::Tensor>& rng_state);
// Reads state.json only (no side effects).
TrainerState read_trainer_state(const std::string& checkpoint_dir);
// Restores the optimizer and the random generators (of process `rank`,
// rng_state.h) from a checkpoint.
void restore_optimizer_and_rng(const std::string& checkpoint_dir, Optimizer& optimizer, int rank = 0);

// FNV-1a 64 of the resolved config, as 16 hex digits (stable across builds).
std::string config_hash(const std::string& text);

}  // namespace ragforge::train
