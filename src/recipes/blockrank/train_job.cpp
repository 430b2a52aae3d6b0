// `train` with `_target_: ragforge.recipes.BlockRank`: the BlockRank recipe
// (recipes.md §3), top to bottom: config → model → data → loss → training
// loop → model.
//
// The `train` app (src/cli/train_command.cpp) has already composed and
// validated the config without LibTorch and chosen this job by its _target_.
#include <iostream>

#include "config/config_view.h"
#include "config/node_json.h"
#include "config/yaml_load.h"
#include "core/atomic_file.h"
#include "data/ranking_collate.h"
#include "data/ranking_data.h"
#include "recipes/blockrank/blockrank_recipe.h"
#include "runtime/job_registry.h"
#include "settings/blockrank_settings.h"
#include "train/compute_device.h"
#include "train/trainer.h"
#include "wandb/settings.h"
#include "wandb/wandb_sink.h"

namespace ragforge::recipes::blockrank {
namespace {

model::BlockRankBackend backend_for(const std::string& attention, const torch::Device& device) {
  if (attention == "eager_blockrank") return model::BlockRankBackend::kEager;
  if (attention == "triton_blockrank" && device.is_cuda()) return model::BlockRankBackend::kCuda;
  return model::BlockRankBackend::kFused;
}

int run_blockrank(const runtime::JobContext& job) {
  // 1. Config.
  const config::Node cfg = config::load_yaml_string(job.config_yaml, "train config");
  const settings::BlockRankConfig c = settings::parse_blockrank_train_config(config::ConfigView(cfg));
  const settings::TrainingArguments& args = c.training.args;

  // 2. Model: full fine-tuning unless use_lora; bf16 weights when asked.
  const torch::Device device = train::default_device();
  const torch::Dtype dtype =
      train::weight_dtype({args.bf16, args.fp16, c.model.base.torch_dtype, "training"}, device);
  hf::PretrainedSpec spec;
  spec.model_dir = c.model.base.model_name_or_path;
  spec.init_config = c.model.base.init_config;
  spec.tokenizer_dir = c.model.base.tokenizer;
  spec.chat_template = c.model.base.chat_template;
  spec.lora = c.model.base.lora;
  hf::PretrainedModel model = hf::load_pretrained(spec, dtype, device, static_cast<uint64_t>(args.seed));
  const model::BlockRankBackend backend = backend_for(c.model.attention, device);
  std::cerr << "blockrank: attn_implementation " << c.model.attn_implementation << " runs "
            << (c.model.use_blockrank ? (backend == model::BlockRankBackend::kEager ? "eager_blockrank"
                                         : backend == model::BlockRankBackend::kCuda ? "the CUDA block kernel"
                                                                                     : "sdpa_blockrank (fused)")
                                      : "plain causal attention")
            << "\n";

  // 3. Data: sampled documents, prompt blocks (tokenized once).
  data::RankingData data = data::load_ranking_training_data(c.data, model.tokenizer);
  for (const auto& w : data.report.warnings) std::cerr << "blockrank: " << w << "\n";
  std::cerr << "blockrank: " << data.train.size() << " training and " << data.val.size()
            << " validation prompts of " << c.data.num_documents << " documents\n";

  // 4. Loss and batches.
  BlockRankRecipeOptions options;
  options.batch_size = args.per_device_train_batch_size;
  options.eval_batch_size = args.per_device_eval_batch_size;
  options.seed = static_cast<uint64_t>(args.seed);
  options.loss.block_sparse = c.model.use_blockrank;
  options.loss.backend = backend;
  options.loss.use_aux_loss = c.training.use_aux_loss;
  options.loss.aux_layer_idx = c.training.aux_layer_idx;
  options.loss.aux_loss_weight = c.training.aux_loss_weight;
  options.loss.aux_temperature = c.training.aux_temperature;
  options.loss.num_last_queries = c.training.num_last_queries;
  options.loss.gradient_checkpointing = args.gradient_checkpointing;
  options.collate.pad_id = data::ranking_pad_id(model.tokenizer);
  options.collate.max_block_length = c.data.max_block_length;
  options.collate.pad_to_multiple_of = c.data.pad_to_multiple_of;
  options.collate.query_block_offset = c.training.query_block_offset;
  options.collate.position_mode = data::parse_position_mode(c.data.position_mode);
  BlockRankRecipe recipe(std::move(model), std::move(data), options);

  // 5. The loop: optimizer, schedule, logging, checkpoints, resume, signals.
  write_file_atomic(args.output_dir + "/train_config.yaml", job.config_yaml);
  train::TrainerContext context;
  context.run_dir = job.run_dir;
  context.config_yaml = job.config_yaml;
  context.flops_per_token = recipe.flops_per_token();
  const wandb::WandbSettings wb = wandb::wandb_settings(config::ConfigView(cfg));
  if (auto sink = wandb::make_wandb_sink(wb, config::to_json(cfg), job.run_dir)) context.sinks.push_back(std::move(sink));
  return train::train(recipe, args, std::move(context)).exit_code;
}

const runtime::JobRegistration kTrain("blockrank-train", run_blockrank);

}  // namespace
}  // namespace ragforge::recipes::blockrank
