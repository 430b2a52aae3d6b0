// `inference` (or `ragforge inference`): RAG-FiT's inference.py as a Hydra
// app over configs/inference.yaml. It prompts a model (plus an optional PEFT
// adapter) exactly as training did and writes one {text, target} line per
// row of data_file to generated_file; a rerun resumes after the lines
// already there.
//
//   inference model.lora_path=./trained_models/checkpoint data_file=dev.jsonl generated_file=dev-gen.jsonl
//   inference -cp configs/paper -cn inference-asqa model.model_name_or_path=<folder>
#include "cli/hydra_apps.h"
#include "cli/shipped_app.h"
#include "settings/inference_settings.h"

namespace ragforge::cli {
namespace {

const HydraAppRegistration kInference(
    "inference", "Generate answers with a model and optional adapter (RAG-FiT inference); configs/inference.yaml",
    [](const std::vector<std::string>& args) {
      return run_shipped_app("inference", "inference", args,
                             [](const config::ConfigView& root) {
                               settings::parse_inference_settings(root);
                               return std::string();
                             });
    });

}  // namespace
}  // namespace ragforge::cli
