// `evaluation` (or `ragforge evaluation`): RAG-FiT's evaluation.py as a
// Hydra app over configs/evaluation.yaml. It scores a generated file
// (inference output, line i answering data row i) against the data file
// holding the labels, with RAG-FiT's metrics computed natively:
//
//   evaluation generated_file=x-generated.jsonl data_file=x.jsonl
//   evaluation -cp configs/paper -cn evaluation-pubmed generated_file=... data_file=... results_file=...
//   evaluation 'metrics=[{_target_: ragfit.evaluation.metrics.EM}]' key_names.label=answer-short
//
// The whole config, every metric name included, is checked here before the
// run directory exists, so a typo or a metric ragforge does not implement
// answers in milliseconds and leaves nothing behind. The job itself runs in
// ragforge-full without LibTorch (full/evaluation_job.cpp).
#include "cli/hydra_apps.h"
#include "cli/shipped_app.h"
#include "settings/evaluation_settings.h"

namespace ragforge::cli {
namespace {

const HydraAppRegistration kEvaluation(
    "evaluation", "Score generated answers against their data file (RAG-FiT evaluation); configs/evaluation.yaml",
    [](const std::vector<std::string>& args) {
      return run_shipped_app("evaluation", "evaluation", args,
                             [](const config::ConfigView& root) {
                               settings::parse_evaluation_settings(root);
                               return std::string();
                             });
    });

}  // namespace
}  // namespace ragforge::cli
