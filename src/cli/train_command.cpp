// `train` (or `ragforge train`): every recipe's training as one Hydra app over
// configs/training.yaml (RAG-FiT's training.py); a config whose root
// `_target_` names another recipe trains that one (settings/recipe_choice.h).
// With no arguments it trains the embedded default, a tiny Llama on the
// WordNet demo data:
//
//   train
//   train -cp configs/paper -cn training-asqa data_file=asqa-train.jsonl output_key=answers
//   train -m train.learning_rate=1e-4,5e-5 model.lora.r=8,16
//   train -m hydra/launcher=local_parallel hydra.launcher.n_jobs=2 hydra.sweep.sort_by=val/loss ...
//
// After a multirun, sweep_results.jsonl and sweep_results.md in the sweep
// dir compare the jobs (sweep/sweep_results.h), ranked by
// `hydra.sweep.sort_by`, a key this app adds to Hydra's node.
//
// Everything up to the first training step that can be checked without
// LibTorch is checked here, so config mistakes answer in milliseconds.
#include <unistd.h>

#include <climits>
#include <iostream>
#include <map>

#include "cli/hydra_apps.h"
#include "cli/shipped_app.h"
#include "config/app/launcher.h"
#include "settings/recipe_choice.h"
#include "sweep/sweep_results.h"
#include "wandb/settings.h"

namespace ragforge::cli {
namespace {

// Jobs that run at the same time must not share train.output_dir: their
// checkpoints would overwrite each other (a temp dir renamed under another
// job's feet). Sequential jobs may (the last one's model stays). The sweep
// checks every job of the first batch before launching any, so the clash is
// reported before anything runs.
int check_output_dir_is_the_jobs_own(const config::app::JobContext& job) {
  static std::map<std::string, int64_t> dir_of_job;  // absolute train.output_dir -> job number
  if (!job.num()) return 0;
  const config::Node target = job.select("hydra.launcher._target_");
  if (target.is_null() || (target.is_string() && target.as_string() == config::app::kBasicLauncherTarget)) return 0;
  const config::Node dir = job.select("train.output_dir");
  if (!dir.is_string() || dir.as_string().empty()) return 0;
  std::string path = dir.as_string();
  if (path[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd))) path = std::string(cwd) + "/" + path;
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  auto [it, fresh] = dir_of_job.emplace(path, *job.num());
  if (fresh || it->second == *job.num()) return 0;
  std::cerr << "Error in the training config: sweep jobs #" << it->second << " and #" << *job.num()
            << " both write train.output_dir=" << dir.as_string() << ", and " << target.as_string()
            << " runs them at the same time, so their checkpoints would overwrite each other.\n"
            << "Give each job its own: train.output_dir='${hydra:runtime.output_dir}/model' (the job's dir), "
               "or sweep train.output_dir too.\n";
  return 1;
}

// hydra.sweep.sort_by (null: val/loss when logged, else train/loss) and the
// results files written after every multirun; parallel jobs checked for a
// shared output dir.
void add_sweep_results(config::app::HydraAppSpec& spec) {
  spec.check_job = [check = spec.check_job](const config::app::JobContext& job) {
    if (const int status = check ? check(job) : 0; status != 0) return status;
    return check_output_dir_is_the_jobs_own(job);
  };
  config::Node sweep = config::Node::dict();
  sweep.set("sort_by", config::Node());
  spec.hydra_extension = config::Node::dict();
  spec.hydra_extension.set("sweep", std::move(sweep));
  spec.after_sweep = sweep::report_sweep_results;
}

const HydraAppRegistration kTrain(
    "train", "Train a recipe: RAG-FiT SFT (configs/training.yaml) or the one the config's _target_ names",
    [](const std::vector<std::string>& args) {
      return run_shipped_app("train", "training", args, [](const config::ConfigView& root) {
        const settings::RecipeChoice recipe = settings::choose_recipe(root);
        wandb::wandb_settings(root);
        return recipe.job;
      }, add_sweep_results);
    });

}  // namespace
}  // namespace ragforge::cli
