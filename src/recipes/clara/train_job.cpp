// `train` with `_target_: ragforge.recipes.Clara`: the CLaRa recipe
// (recipes.md §2), top to bottom: config → model with the stage's adapters →
// data → the stage's loss → the shared training loop → <save_path>/final.
//
// The `train` app has already composed and validated the config without
// LibTorch and chosen this job by its _target_ (settings/recipe_choice.cpp);
// `ragforge clara-train` maps the original's flags and environment onto the
// same config (src/full/clara_train_command.cpp).
#include <filesystem>
#include <iostream>

#include "config/config_view.h"
#include "config/node_json.h"
#include "config/yaml_load.h"
#include "core/atomic_file.h"
#include "recipes/clara/clara_recipe.h"
#include "runtime/job_registry.h"
#include "settings/clara_settings.h"
#include "train/compute_device.h"
#include "train/trainer.h"
#include "wandb/settings.h"
#include "wandb/wandb_sink.h"

namespace ragforge::recipes::clara {
namespace {

int run_clara(const runtime::JobContext& job) {
  // 1. Config.
  const config::Node cfg = config::load_yaml_string(job.config_yaml, "train config");
  const settings::ClaraSettings s = settings::parse_clara_config(config::ConfigView(cfg));

  // 2. Model: base + <MEM*>/<AE>/<ENC>/<SEP>, the stage's adapters, the previous stage's rows.
  const torch::Device device = train::default_device();
  std::vector<std::string> trainable;
  hf::PretrainedModel model = prepare_clara_model(s, device, trainable);

  // 3. Data: the stage's rows (errors name file and row).
  std::vector<std::string> warnings;
  std::vector<data::ClaraRow> rows = read_clara_rows(s.datasets, s.stage, s.generation_top_k, s.max_samples, warnings,
                                                     s.dataset_probs, static_cast<uint64_t>(s.args.seed));
  std::vector<data::ClaraRow> eval_rows;
  if (!s.eval_dataset.empty())
    eval_rows = read_clara_rows({s.eval_dataset}, s.stage, s.generation_top_k, s.max_samples, warnings);
  for (const auto& w : warnings) std::cerr << "clara: " << w << "\n";
  std::cerr << "clara: " << s.stage << ", n_mem " << s.n_mem << " (doc_max_length " << s.doc_max_length
            << " / compress_rate " << s.compress_rate << "), top_k " << s.generation_top_k << ", training";
  for (const auto& a : trainable) std::cerr << " " << a;
  std::cerr << " + MEM rows; " << rows.size() << " training and " << eval_rows.size() << " evaluation rows\n";

  // 4. The recipe: batches, the stage's loss, checkpoints.
  ClaraRecipe recipe(std::move(model), trainable, std::move(rows), std::move(eval_rows), clara_recipe_options(s));

  // 5. The loop: optimizer, schedule, logging, checkpoints, resume, signals.
  write_file_atomic(s.args.output_dir + "/train_config.yaml", job.config_yaml);
  train::TrainerContext context;
  context.run_dir = job.run_dir;
  context.config_yaml = job.config_yaml;
  const wandb::WandbSettings wb = wandb::wandb_settings(config::ConfigView(cfg));
  if (auto sink = wandb::make_wandb_sink(wb, config::to_json(cfg), job.run_dir)) context.sinks.push_back(std::move(sink));
  return train::train(recipe, s.args, std::move(context)).exit_code;
}

const runtime::JobRegistration kTrain("clara-train", run_clara);

}  // namespace
}  // namespace ragforge::recipes::clara
