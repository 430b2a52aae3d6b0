// The settings of the clara recipe (recipes.md §2), from a Hydra tree with a
// root `_target_` (configs/clara/<stage>.yaml). The original's flat CLI names
// stay flat at the root; the loop's TrainingArguments live under `train:`.
//
//   _target_: ragforge.recipes.Clara
//   stage: stage1                 # stage1 | stage1_2 | stage2 | stage2_pretrain_retrieval
//   model: {model_name_or_path | init_config, tokenizer, chat_template, torch_dtype, quantization}
//   data:  {dataset: file | [files], dataset_probs, eval_dataset, max_samples}
//   doc_max_length: 256   compress_rate: 32   generation_top_k: 1   max_len: 2048
//   mse_loss: true   qa_loss: true   pretrain_checkpoint: null   train_batch_size: 128
//   do_eval_gen: false   max_ckpt_num: 3
//   lora:   {r: 16, alpha: 32, dropout: 0.1}
//   stage2: {query_pad_to_max_len: false}
//   debug:  {every_steps: 0, max_print_tokens: 100}
//   train:  {HF TrainingArguments; save_steps -1 never / -2 each epoch, eval_steps -1 each epoch}
//
// Absent keys take the stage's §2.6 defaults (so the CLI's flags and the
// per-stage configs agree). Unknown keys are errors with "did you mean".
// Torch-free.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/config_view.h"
#include "settings/model_settings.h"
#include "settings/training_arguments.h"

namespace ragforge::settings {

inline constexpr const char* kClaraTarget = "ragforge.recipes.Clara";

struct ClaraSettings {
  std::string stage = "stage1";
  ModelSettings model;  // lora stays nullopt: the recipe adds its named adapters

  std::vector<std::string> datasets;  // JSONL files, read in order
  std::vector<double> dataset_probs;  // accepted; the files are concatenated
  std::string eval_dataset;           // "" : no in-training evaluation
  int64_t max_samples = 1000000;

  int64_t doc_max_length = 256, compress_rate = 32, n_mem = 8;
  int64_t generation_top_k = 1;
  int64_t max_len = 2048;
  bool mse_loss = true, qa_loss = true;
  std::string pretrain_checkpoint;  // required for every stage but stage1
  int64_t train_batch_size = 128;   // global batch (micro × accumulation)

  int64_t lora_r = 16;
  double lora_alpha = 32, lora_dropout = 0.1;
  bool query_pad_to_max_len = false;  // Decision 1's option
  int64_t debug_every_steps = 0, debug_max_print_tokens = 100;
  bool do_eval_gen = false;

  TrainingArguments args;  // output_dir = the save path
};

// The stages the recipe trains (Decision 5 leaves out stage2_reasoning and stage2_mips).
const std::vector<std::string>& clara_stages();

ClaraSettings parse_clara_config(const config::ConfigView& root);

}  // namespace ragforge::settings
