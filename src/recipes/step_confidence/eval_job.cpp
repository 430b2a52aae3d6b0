// `ragforge step-confidence-eval`: scores a step-confidence checkpoint on the
// test splits of its config (recipes.md §4.5) and writes eval_metrics.json
// ({overall, per_dataset}) and, when asked, predictions.json
// ([{source, step_index, prediction, label}]) into output_dir.
#include <filesystem>
#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text_file.h"
#include "recipes/step_confidence/step_confidence_data.h"
#include "recipes/step_confidence/step_confidence_job.h"
#include "runtime/job_registry.h"
#include "train/compute_device.h"

namespace ragforge::recipes::step_confidence {
namespace {

namespace fs = std::filesystem;

int run_eval(const runtime::JobContext& job) {
  const config::Node args = config::load_yaml_string(job.config_yaml, "step-confidence-eval arguments");
  const config::ConfigView a(args);
  const std::string checkpoint = a.get_string("checkpoint");
  if (!fs::is_directory(checkpoint))
    throw Error("--checkpoint " + checkpoint + " is not a directory; give a checkpoints/checkpoint_step_<N> (or best) folder");
  std::string config_path = a.get_string("config", "");
  if (config_path.empty()) config_path = (fs::path(checkpoint) / "config.yaml").string();
  const std::string yaml = read_text_file(config_path);
  const config::Node cfg = config::load_yaml_string(yaml, config_path);
  settings::StepConfidenceSettings s = settings::parse_step_confidence_config(config::ConfigView(cfg));
  const std::string out_dir = a.get_string("output_dir", "");
  const std::string target = out_dir.empty() ? s.output_dir + "/eval" : out_dir;
  s.args.per_device_eval_batch_size = a.get_int("batch_size", s.args.per_device_eval_batch_size);
  const bool save_predictions = a.get_bool("save_predictions", false);

  const torch::Device device = train::default_device();
  hf::PretrainedModel model = load_step_confidence_model(s, device);
  StepConfidenceOptions options = step_confidence_options(s, yaml);
  options.run_dir = target;
  StepConfidenceData data = load_step_confidence_data(s, model.tokenizer, false, [](const std::string& m) {
    std::cerr << "step-confidence-eval: " << m << "\n";
  });
  StepConfidenceRecipe recipe(std::move(model), std::move(data), options);
  recipe.load_weights(checkpoint);
  const SplitScores scores = recipe.score(recipe.data().val, 0, save_predictions);

  nlohmann::ordered_json metrics;
  metrics["overall"] = evaluation::to_json(scores.overall);
  metrics["overall"]["loss"] = scores.loss;
  metrics["per_dataset"] = nlohmann::ordered_json::object();
  for (const auto& [name, m] : scores.per_dataset) metrics["per_dataset"][name] = evaluation::to_json(m);
  fs::create_directories(target);
  write_file_atomic(target + "/eval_metrics.json", metrics.dump(2) + "\n");
  if (save_predictions) {
    nlohmann::ordered_json preds = nlohmann::ordered_json::array();
    for (const auto& p : scores.predictions)
      preds.push_back({{"source", p.source}, {"step_index", p.step_index}, {"prediction", p.prediction}, {"label", p.label}});
    write_file_atomic(target + "/predictions.json", preds.dump(1) + "\n");
  }
  std::cerr << "step-confidence-eval: " << scores.overall.n_samples << " steps, mse " << scores.overall.mse << ", r2 "
            << scores.overall.r2 << ", ece " << scores.overall.ece << "; wrote " << target << "/eval_metrics.json\n";
  return 0;
}

const runtime::JobRegistration kEval("step-confidence-eval", run_eval);

}  // namespace
}  // namespace ragforge::recipes::step_confidence
