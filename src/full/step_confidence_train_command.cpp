// `ragforge step-confidence-train [--config FILE.json] [--lora] [--experiment_name N]
// [--max_steps N] [--learning_rate X] [--lora_r N] [--lora_alpha N] [--batch_size N]
// [--logging_steps N] [--eval_steps N] [--save_steps N] [--max_eval_batches N]`:
// the original's train.py / train_lora.py command line (recipes.md §4.3).
//
// --config reads the original's JSON config (sections model, lora, data,
// training, eval and the top-level experiment_name / output_dir, as its
// Config.save writes them); without it the seed's defaults apply, and
// --lora starts from get_lora_config() (use_lora, lr 1e-4, experiment
// confidence_prediction_lora). Each flag then overrides its key, as
// train.py does:
//
//   --experiment_name   experiment_name              --batch_size     training.per_device_train_batch_size
//   --max_steps         training.max_steps           --logging_steps  training.logging_steps
//   --learning_rate     training.learning_rate       --eval_steps     training.eval_steps
//   --lora_r            lora.lora_r                  --save_steps     training.save_steps
//   --lora_alpha        lora.lora_alpha              --max_eval_batches eval.max_eval_batches (0: all)
//
// The result is the same config `train -cp configs/step_confidence` composes,
// run by the same job (recipes/step_confidence/train_job.cpp).
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "cli/job_launcher.h"
#include "core/error.h"
#include "full/command_registry.h"
#include "settings/step_confidence_settings.h"

namespace ragforge::full {
namespace {

struct StepConfidenceTrainOptions {
  std::string config;
  bool lora = false;
  std::optional<std::string> experiment_name;
  std::optional<int64_t> max_steps, lora_r, lora_alpha, batch_size, logging_steps, eval_steps, save_steps,
      max_eval_batches;
  std::optional<double> learning_rate;
};

nlohmann::ordered_json read_original_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("--config " + path + ": cannot open the file; give the original's JSON config");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw Error("--config " + path + ": not a JSON object; the original's config has sections model, lora, data, "
                "training and eval");
  return j;
}

int run_train(const StepConfidenceTrainOptions& o) {
  nlohmann::ordered_json cfg = o.config.empty() ? nlohmann::ordered_json::object() : read_original_config(o.config);
  if (cfg.contains("_target_") && cfg["_target_"] != settings::kStepConfidenceTarget)
    throw Error("--config " + o.config + ": _target_ is " + cfg["_target_"].dump() + ", not " +
                settings::kStepConfidenceTarget);
  cfg["_target_"] = settings::kStepConfidenceTarget;
  auto section = [&](const char* name) -> nlohmann::ordered_json& {
    if (!cfg.contains(name) || cfg[name].is_null()) cfg[name] = nlohmann::ordered_json::object();
    if (!cfg[name].is_object()) throw Error("--config " + o.config + ": " + name + " must be an object");
    return cfg[name];
  };
  if (o.lora) {  // get_lora_config(): these apply unless the JSON sets them
    section("lora")["use_lora"] = true;
    if (!cfg.contains("experiment_name")) cfg["experiment_name"] = "confidence_prediction_lora";
  }
  if (o.experiment_name) cfg["experiment_name"] = *o.experiment_name;
  if (o.max_steps) section("training")["max_steps"] = *o.max_steps;
  if (o.learning_rate) section("training")["learning_rate"] = *o.learning_rate;
  if (o.batch_size) section("training")["per_device_train_batch_size"] = *o.batch_size;
  if (o.logging_steps) section("training")["logging_steps"] = *o.logging_steps;
  if (o.eval_steps) section("training")["eval_steps"] = *o.eval_steps;
  if (o.save_steps) section("training")["save_steps"] = *o.save_steps;
  if (o.lora_r) section("lora")["lora_r"] = *o.lora_r;
  if (o.lora_alpha) section("lora")["lora_alpha"] = *o.lora_alpha;
  if (o.max_eval_batches) section("eval")["max_eval_batches"] = *o.max_eval_batches;
  // The original's JSON holds null for "all" (max_eval_batches, max_*_samples); ragforge's 0.
  if (cfg["eval"].is_object() && cfg["eval"].contains("max_eval_batches") && cfg["eval"]["max_eval_batches"].is_null())
    cfg["eval"]["max_eval_batches"] = 0;
  // JSON is YAML: the job reads this text as its config.
  return cli::run_job("step-confidence-train", cfg.dump(2));
}

const CommandRegistration reg(
    "step-confidence-train",
    "Train the step-confidence recipe from the original's JSON config and train.py flags",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<StepConfidenceTrainOptions>();
      cmd.add_option("--config", o->config, "the original's JSON config (model, lora, data, training, eval)");
      cmd.add_flag("--lora", o->lora, "LoRA defaults (train_lora.py): lora.use_lora=true, lr 1e-4");
      cmd.add_option("--experiment_name", o->experiment_name, "experiment_name: the run goes to <output_dir>/<name>");
      cmd.add_option("--max_steps", o->max_steps, "training.max_steps")->check(CLI::PositiveNumber);
      cmd.add_option("--learning_rate", o->learning_rate, "training.learning_rate")->check(CLI::PositiveNumber);
      cmd.add_option("--lora_r", o->lora_r, "lora.lora_r")->check(CLI::PositiveNumber);
      cmd.add_option("--lora_alpha", o->lora_alpha, "lora.lora_alpha")->check(CLI::PositiveNumber);
      cmd.add_option("--batch_size", o->batch_size, "training.per_device_train_batch_size")->check(CLI::PositiveNumber);
      cmd.add_option("--logging_steps", o->logging_steps, "training.logging_steps")->check(CLI::PositiveNumber);
      cmd.add_option("--eval_steps", o->eval_steps, "training.eval_steps")->check(CLI::PositiveNumber);
      cmd.add_option("--save_steps", o->save_steps, "training.save_steps")->check(CLI::PositiveNumber);
      cmd.add_option("--max_eval_batches", o->max_eval_batches, "eval.max_eval_batches (0: all batches)")
          ->check(CLI::NonNegativeNumber);
      cmd.footer(
          "Examples:\n"
          "  ragforge step-confidence-train --config my_config.json\n"
          "  ragforge step-confidence-train --experiment_name run1 --max_steps 20000 --learning_rate 1e-5 \\\n"
          "      --batch_size 32 --logging_steps 100 --eval_steps 1000 --save_steps 1000 --max_eval_batches 1000\n"
          "  ragforge step-confidence-train --lora --lora_r 16 --lora_alpha 32");
      return [o] { return run_train(*o); };
    });

}  // namespace
}  // namespace ragforge::full
