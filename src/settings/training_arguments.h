// The `train:` node of a recipe config: Hugging Face TrainingArguments names
// and defaults, plus a few ragforge extras the training loop (train/trainer.h)
// needs. Torch-free, so the CLI can reject a bad `train:` node before it loads
// LibTorch.
//
//   auto args = settings::parse_training_arguments(cfg.child("train"));
//
// Keys that are real HF TrainingArguments fields ragforge does not implement
// (`ddp_timeout`, `push_to_hub`, ...) warn once on stderr and are ignored;
// anything else unknown is an error with a did-you-mean hint. A null value
// (`group_by_length:` with nothing after it) means the default.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/config_view.h"
#include "settings/distributed_settings.h"

namespace ragforge::settings {

struct TrainingArguments {
  // ---- HF TrainingArguments (same names, same defaults)
  std::string output_dir = "./outputs";
  int64_t per_device_train_batch_size = 8;
  int64_t per_device_eval_batch_size = 8;
  int64_t gradient_accumulation_steps = 1;
  double num_train_epochs = 3.0;
  int64_t max_steps = -1;  // > 0 wins over num_train_epochs

  double learning_rate = 5e-5;
  double weight_decay = 0.0;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  double max_grad_norm = 1.0;  // <= 0: no clipping (the norm is still logged)
  std::string optim = "adamw_torch";
  std::string lr_scheduler_type = "linear";
  int64_t warmup_steps = 0;  // > 0 wins over warmup_ratio
  double warmup_ratio = 0.0;
  double min_lr = 0.0;       // cosine_with_min_lr: lr_scheduler_kwargs.min_lr, or min_lr_rate × learning_rate

  std::string logging_strategy = "steps";  // steps|epoch|no
  int64_t logging_steps = 500;
  std::string eval_strategy = "no";        // no|steps|epoch; "steps" when only eval_steps is given
  int64_t eval_steps = 0;                  // 0: none (logging_steps when eval_strategy is steps)
  std::string save_strategy = "steps";     // steps|epoch|no
  int64_t save_steps = 500;
  int64_t save_total_limit = -1;           // -1: keep every checkpoint
  std::string checkpoint_prefix = "checkpoint-";  // a checkpoint is <prefix><step> (step_confidence: checkpoint_step_)

  int64_t seed = 42;
  bool bf16 = false, fp16 = false;
  bool gradient_checkpointing = false;
  bool group_by_length = false;
  std::vector<std::string> report_to;      // "wandb", "none", ...
  std::string resume_from_checkpoint;      // "": fresh; a checkpoint dir; "latest": newest complete one in output_dir

  // ---- ragforge extras (not HF)
  std::string loss_reduction = "microbatch_mean";  // microbatch_mean|token_mean (recipes.md §0)
  std::string nan_policy = "skip";                 // skip|stop (conventions.md §7)
  int64_t nan_max_consecutive = 5;
  std::string progress = "auto";                   // auto|bar|lines|none (conventions.md §6)
  bool decay_all = false;                          // weight decay on biases and norm weights too
  std::string master_weights = "none";             // none|fp32: fp32 copy for bf16/fp16 parameters (recipes.md §0)
  double signal_grace_s = 3.0;                     // wait before saving on SIGTERM (a SIGKILL may follow)
  bool floor_warmup_ratio = false;                 // warmup = floor(S·ratio) instead of ceil (step_confidence)
  DistributedSettings distributed;                 // `distributed:`: multi-process training (settings/distributed_settings.h)
};

// Reads and validates a `train:` node (see the file comment). Errors name the
// key and where it came from.
TrainingArguments parse_training_arguments(const config::ConfigView& train);

// Every field name of HF transformers.TrainingArguments (and Seq2Seq/TRL
// names RAG-FiT configs carry), sorted.
const std::vector<std::string>& hf_training_argument_names();

}  // namespace ragforge::settings
