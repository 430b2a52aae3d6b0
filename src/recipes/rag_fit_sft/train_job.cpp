// `train`: the RAG-FiT SFT recipe (recipes.md §1), top to bottom:
// config → model → data → loss → training loop → adapter.
//
// The `train` app (src/cli/train_command.cpp) has already composed and
// validated the config without LibTorch; this job reads it again and runs.
#include <iostream>

#include "config/config_view.h"
#include "config/node_json.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "data/family_defaults.h"
#include "data/sft_data.h"
#include "recipes/rag_fit_sft/hf_train_model.h"
#include "recipes/rag_fit_sft/sft_recipe.h"
#include "runtime/job_registry.h"
#include "settings/rag_fit_config.h"
#include "train/compute_device.h"
#include "train/trainer.h"
#include "wandb/settings.h"
#include "wandb/wandb_sink.h"

namespace ragforge::recipes {
namespace {

std::string ids_text(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

int run_rag_fit_sft(const runtime::JobContext& job) {
  // 1. Config.
  const config::Node cfg = config::load_yaml_string(job.config_yaml, "train config");
  settings::RagFitConfig c = settings::parse_rag_fit_config(config::ConfigView(cfg));

  // 2. Model: bf16/fp16 base weights when asked; LoRA weights stay fp32.
  const torch::Device device = train::default_device();
  const torch::Dtype dtype = train::weight_dtype({c.train.bf16, c.train.fp16, c.model.torch_dtype, "train"}, device);
  hf::PretrainedModel model = load_hf_train_model(c.model, dtype, device, static_cast<uint64_t>(c.train.seed));

  // 3. Data: prompts rendered and tokenized, loss only after completion_start.
  if (c.data.completion_start.empty()) {
    c.data.completion_start = data::default_completion_start(model.model_type, model.tokenizer);
    std::cerr << "model.completion_start is empty: using the " << model.model_type << " default '"
              << c.data.completion_start << "'\n";
  }
  data::SftData data = data::load_sft_data(c.data, model.tokenizer, model.model_type, static_cast<uint64_t>(c.train.seed));
  std::cerr << "completion_start '" << c.data.completion_start << "' = ids " << ids_text(data.report.marker_ids)
            << "; " << data.train.size() << " training and " << data.dev.size() << " dev examples\n";

  // 4. Loss and batches.
  SftRecipeOptions options;
  options.batch_size = c.train.per_device_train_batch_size;
  options.eval_batch_size = c.train.per_device_eval_batch_size;
  options.seed = static_cast<uint64_t>(c.train.seed);
  options.group_by_length = c.train.group_by_length;
  options.gradient_checkpointing = c.train.gradient_checkpointing;
  SftRecipe recipe(std::move(model), std::move(data), options);

  // 5. The loop: optimizer, schedule, logging, checkpoints, resume, signals.
  train::TrainerContext context;
  context.run_dir = job.run_dir;
  context.config_yaml = job.config_yaml;
  context.flops_per_token = recipe.flops_per_token();
  // W&B (use_wandb / report_to: wandb) gets the resolved config; it redacts secrets.
  const wandb::WandbSettings wb = wandb::wandb_settings(config::ConfigView(cfg));
  if (auto sink = wandb::make_wandb_sink(wb, config::to_json(cfg), job.run_dir)) context.sinks.push_back(std::move(sink));
  train::TrainResult result = train::train(recipe, c.train, std::move(context));
  return result.exit_code;
}

const runtime::JobRegistration kTrain("train", run_rag_fit_sft);

}  // namespace
}  // namespace ragforge::recipes
