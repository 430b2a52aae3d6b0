// `processing` (or `ragforge processing`): RAG-FiT's processing.py as a Hydra
// app over configs/processing.yaml. It runs the `steps:` pipeline (loaders,
// normalizers, retrieval, context, prompts, sampling, RAFT, output) and
// writes `{prefix}-{split}.jsonl` files for training and inference:
//
//   processing -cp configs/paper -cn processing-asqa-context
//   processing -cp configs/paper -cn processing-asqa-baseline steps.0.filename=my-dev.jsonl
//   processing cache=false
//
// The whole pipeline is checked here, without starting the job: an unknown
// step, a missing or mistyped parameter or a dataset no earlier step loads
// answers in milliseconds.
#include "cli/hydra_apps.h"
#include "cli/shipped_app.h"
#include "settings/processing_settings.h"

namespace ragforge::cli {
namespace {

const HydraAppRegistration kProcessing(
    "processing", "Build RAG datasets with RAG-FiT's processing pipeline (steps:); configs/processing.yaml",
    [](const std::vector<std::string>& args) {
      return run_shipped_app("processing", "processing", args,
                             [](const config::ConfigView& root) {
                               settings::parse_processing_settings(root);
                               return std::string();
                             });
    });

}  // namespace
}  // namespace ragforge::cli
