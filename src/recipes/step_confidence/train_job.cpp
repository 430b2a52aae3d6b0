// `train` with `_target_: ragforge.recipes.StepConfidence`: the step-confidence
// recipe (recipes.md §4), top to bottom: config → model (+ <CONFIDENCE>) →
// data → head and loss → the shared training loop.
//
// Layout under <output_dir>/<experiment_name>: logs/{train.log, metrics.jsonl,
// config.yaml, final_results.json}, checkpoints/{checkpoint_step_<N>/, best/, best.json}.
#include <filesystem>
#include <iostream>

#include "config/config_view.h"
#include "config/node_json.h"
#include "config/yaml_load.h"
#include "core/atomic_file.h"
#include "recipes/step_confidence/step_confidence_data.h"
#include "recipes/step_confidence/step_confidence_job.h"
#include "runtime/job_registry.h"
#include "train/compute_device.h"
#include "train/trainer.h"
#include "wandb/settings.h"
#include "wandb/wandb_sink.h"

namespace ragforge::recipes::step_confidence {

hf::PretrainedModel load_step_confidence_model(const settings::StepConfidenceSettings& s, const torch::Device& device) {
  const torch::Dtype dtype = train::weight_dtype({s.args.bf16, s.args.fp16, s.model.torch_dtype, "training"}, device);
  hf::PretrainedSpec spec;
  spec.model_dir = s.model.model_name_or_path;
  spec.init_config = s.model.init_config;
  spec.tokenizer_dir = s.model.tokenizer;
  spec.lora = s.model.lora;
  spec.lora_key = "lora";
  spec.special_tokens = {s.confidence_token};
  return hf::load_pretrained(spec, dtype, device, static_cast<uint64_t>(s.args.seed));
}

StepConfidenceOptions step_confidence_options(const settings::StepConfidenceSettings& s, const std::string& yaml) {
  StepConfidenceOptions o;
  o.batch_size = s.args.per_device_train_batch_size;
  o.eval_batch_size = s.args.per_device_eval_batch_size;
  o.accumulation = s.args.gradient_accumulation_steps;
  o.max_steps = s.args.max_steps;
  o.max_eval_batches = s.max_eval_batches;
  o.ece_bins = static_cast<int>(s.ece_n_bins);
  o.per_dataset = s.eval_per_dataset;
  o.gradient_checkpointing = s.args.gradient_checkpointing;
  o.seed = static_cast<uint64_t>(s.args.seed);
  o.head_dtype = s.head_dtype == "bfloat16" ? torch::kBFloat16 : torch::kFloat32;
  o.head.hidden_dims = s.mlp_hidden_dims;
  o.head.dropout = s.mlp_dropout;
  o.head.activation = s.mlp_activation;
  o.run_dir = s.output_dir;
  o.config_yaml = yaml;
  return o;
}

namespace {

int run_step_confidence(const runtime::JobContext& job) {
  const config::Node cfg = config::load_yaml_string(job.config_yaml, "train config");
  const settings::StepConfidenceSettings s = settings::parse_step_confidence_config(config::ConfigView(cfg));
  std::filesystem::create_directories(s.output_dir + "/logs");
  write_file_atomic(s.output_dir + "/logs/config.yaml", job.config_yaml);

  const torch::Device device = train::default_device();
  hf::PretrainedModel model = load_step_confidence_model(s, device);
  const int64_t d = model.lm->config().hidden_size;
  std::cerr << "step_confidence: " << (model.lora ? "LoRA" : "full fine-tuning") << ", hidden_size " << d
            << ", head parameters " << confidence_head_parameter_count(d, s.mlp_hidden_dims) << "\n";

  StepConfidenceOptions options = step_confidence_options(s, job.config_yaml);
  // The head's init draws after the model's (seed + 3, as the original seeds its head).
  torch::manual_seed(static_cast<uint64_t>(s.args.seed) + 3);
  std::vector<std::string> pending;
  StepConfidenceData data =
      load_step_confidence_data(s, model.tokenizer, true, [&](const std::string& m) { pending.push_back(m); });
  StepConfidenceRecipe recipe(std::move(model), std::move(data), options);
  for (const auto& m : pending) recipe.log(m);

  train::TrainerContext context;
  context.run_dir = s.output_dir;  // logs/metrics.jsonl beside train.log
  context.config_yaml = job.config_yaml;
  const wandb::WandbSettings wb = wandb::wandb_settings(config::ConfigView(cfg));
  if (auto sink = wandb::make_wandb_sink(wb, config::to_json(cfg), s.output_dir)) context.sinks.push_back(std::move(sink));
  return train::train(recipe, s.args, std::move(context)).exit_code;
}

const runtime::JobRegistration kTrain("step-confidence-train", run_step_confidence);

}  // namespace
}  // namespace ragforge::recipes::step_confidence
