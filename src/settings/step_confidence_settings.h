// The settings of the step_confidence recipe (recipes.md §4), read from the
// original's config layout (its config.py sections, as its JSON files hold
// them) with a root `_target_`:
//
//   _target_: ragforge.recipes.StepConfidence
//   experiment_name: confidence_prediction   # the run goes to ${output_dir}/${experiment_name}
//   output_dir: outputs
//   model:    {model_name | model_name_or_path | init_config, tokenizer, confidence_token,
//              mlp_hidden_dims, mlp_dropout, mlp_activation, torch_dtype, head_dtype, ...}
//   lora:     {use_lora, lora_r, lora_alpha, lora_dropout, lora_target_modules}
//   data:     {<name>_path, <name>_weight, use_<name>, prm800k_phase, <name>_{train,test}_split,
//              max_train_samples, max_test_samples, max_length, max_steps_per_example}
//   training: {learning_rate, max_steps, eval_steps, save_steps, logging_steps, batch sizes,
//              warmup_*, optimizer keys, seed, keep_last_checkpoints, resume_from_checkpoint, ...}
//   eval:     {max_eval_batches, ece_n_bins, eval_per_dataset, save_predictions, compute_*}
//
// Defaults are the seed's (§4.3); lr is 2e-5 full and 1e-4 with use_lora
// unless set. Unknown keys are errors with "did you mean". Torch-free.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/config_view.h"
#include "settings/model_settings.h"
#include "settings/training_arguments.h"

namespace ragforge::settings {

inline constexpr const char* kStepConfidenceTarget = "ragforge.recipes.StepConfidence";

struct StepDatasetSettings {
  std::string name;  // prm800k | reveal | eqasc
  bool use = true;
  std::string path;
  double weight = 0;
  std::string train_split, test_split;
};

struct StepConfidenceSettings {
  std::string experiment_name = "confidence_prediction";
  std::string output_dir;  // the run folder: <output_dir key>/<experiment_name>

  ModelSettings model;     // source, tokenizer; `lora` filled when lora.use_lora
  std::string confidence_token = "<CONFIDENCE>";
  std::vector<int64_t> mlp_hidden_dims = {1024, 256};
  double mlp_dropout = 0.1;
  std::string mlp_activation = "gelu";  // gelu | relu | tanh | silu
  std::string head_dtype = "float32";   // float32 | bfloat16 (the original)
  bool use_lora = false;

  std::vector<StepDatasetSettings> datasets;  // prm800k, reveal, eqasc in that order
  int64_t prm800k_phase = 2;
  int64_t max_train_samples = 0, max_test_samples = 0;  // 0: all records
  int64_t max_length = 2048, max_steps_per_example = 10;

  TrainingArguments args;  // the loop's view (output_dir = <run>/checkpoints)
  int64_t keep_last_checkpoints = 3;
  int64_t max_eval_batches = 100;  // 0: all
  int64_t ece_n_bins = 10;
  bool eval_per_dataset = true, save_predictions = true;
};

StepConfidenceSettings parse_step_confidence_config(const config::ConfigView& root);

}  // namespace ragforge::settings
