// The `processing` job, natively in ragforge-full (full/native_jobs.h): it
// needs no tensors, so it never loads LibTorch. Reads the composed config,
// validates it again (settings/processing_settings.h) and runs the pipeline
// (processing/pipeline.h). RAG-FiT's packaged prompt paths resolve to the
// shipped configs/prompts/processing/.
#include <exception>
#include <iostream>

#include "cli/install_paths.h"
#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "full/native_jobs.h"
#include "processing/pipeline.h"
#include "settings/processing_settings.h"

namespace ragforge::full {
namespace {

int run_processing(const std::string& config_yaml, const std::string& run_dir) {
  try {
    const config::Node cfg =
        config::load_yaml_string(config_yaml, run_dir.empty() ? "<job config>" : run_dir + "/.hydra/config.yaml");
    const settings::ProcessingSettings s = settings::parse_processing_settings(config::ConfigView(cfg));
    processing::PipelineOptions options;
    options.prompt_dirs = {cli::configs_dir() + "/prompts/processing"};
    options.log = &std::cout;
    processing::run_pipeline(s, options);
    std::cout.flush();
    return 0;
  } catch (const Error& e) {
    std::cout.flush();
    std::cerr << "error: " << e.what() << "\n";
  } catch (const std::exception& e) {  // e.g. out of memory: still a clean failure, and no output written
    std::cout.flush();
    std::cerr << "error: processing failed: " << e.what() << "\n";
  }
  return 1;
}

const NativeJobRegistration kProcessingJob("processing", run_processing);

}  // namespace
}  // namespace ragforge::full
