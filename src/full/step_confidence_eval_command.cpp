// `ragforge step-confidence-eval --checkpoint DIR [--config FILE] [--output_dir DIR]
// [--batch_size N] [--save_predictions]`: the original's evaluate.py flags;
// runs recipes/step_confidence/eval_job.cpp in the LibTorch runtime.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/job_launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

struct StepConfidenceEvalOptions {
  std::string checkpoint, config, output_dir;
  int64_t batch_size = 0;  // 0: the config's per_device_eval_batch_size
  bool save_predictions = false;
};

const CommandRegistration reg(
    "step-confidence-eval", "Score a step-confidence checkpoint: eval_metrics.json and predictions.json",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<StepConfidenceEvalOptions>();
      cmd.add_option("--checkpoint", o->checkpoint, "checkpoints/checkpoint_step_<N> or checkpoints/best")->required();
      cmd.add_option("--config", o->config, "training config (default: <checkpoint>/config.yaml)");
      cmd.add_option("--output_dir", o->output_dir, "where the JSON files go (default: <run>/eval)");
      cmd.add_option("--batch_size", o->batch_size, "evaluation batch size")->check(CLI::PositiveNumber);
      cmd.add_flag("--save_predictions", o->save_predictions, "also write predictions.json");
      return [o] {
        // JSON is YAML: strings come through quoted and escaped.
        nlohmann::json args = {{"checkpoint", o->checkpoint}, {"config", o->config},
                               {"output_dir", o->output_dir}, {"save_predictions", o->save_predictions}};
        if (o->batch_size > 0) args["batch_size"] = o->batch_size;
        return cli::run_job("step-confidence-eval", args.dump());
      };
    });

}  // namespace
}  // namespace ragforge::full
