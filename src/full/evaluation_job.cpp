// The `evaluation` job (RAG-FiT's evaluation.py), run natively in
// ragforge-full: it needs no tensors, so LibTorch is never loaded. The
// `evaluation` Hydra app (cli/evaluation_command.cpp) has validated the
// config and hands it over composed and resolved.
//
// stdout: a summary (the results YAML and where the files went); stderr:
// notes, and on failure `error: ...` with exit status 1, leaving no result
// file behind.
#include <exception>
#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "evaluation/evaluation_run.h"
#include "evaluation/results_files.h"
#include "full/native_jobs.h"
#include "settings/evaluation_settings.h"

namespace ragforge::full {
namespace {

int run_evaluation_job(const std::string& config_yaml, const std::string& run_dir) {
  try {
    const config::Node root = config::load_yaml_string(config_yaml, run_dir.empty() ? "<job config>"
                                                                                      : run_dir + "/.hydra/config.yaml");
    const settings::EvaluationSettings s = settings::parse_evaluation_settings(config::ConfigView(root));
    const evaluation::EvaluationResults r = evaluation::run_evaluation(s, std::cerr);

    std::cout << "evaluation: " << r.examples.size() << " example" << (r.examples.size() == 1 ? "" : "s") << " of "
              << s.data_file << " scored against " << s.generated_file << "\n"
              << evaluation::results_yaml(r);
    if (!s.results_file.empty())
      std::cout << "results: " << s.results_file << "\nper-example scores: "
                << settings::per_example_path(s.results_file) << "\n";
    else
      std::cout << "results_file is not set, so nothing was written\n";
    std::cout.flush();
    return 0;
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (const std::exception& e) {  // e.g. out of memory: still a clean failure
    std::cerr << "error: evaluation failed: " << e.what() << "\n";
  }
  return 1;
}

const NativeJobRegistration kEvaluation("evaluation", run_evaluation_job);

}  // namespace
}  // namespace ragforge::full
