// `clara-import`: a published CLaRa checkpoint (compression-<CR>/*.pth) into
// ragforge's layout (clara_import.h).
#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "recipes/clara/clara_import.h"
#include "runtime/job_registry.h"

namespace ragforge::recipes::clara {
namespace {

int run_clara_import(const runtime::JobContext& job) {
  const config::Node args = config::load_yaml_string(job.config_yaml, "clara-import arguments");
  const config::ConfigView a(args);
  ClaraImportOptions o;
  o.published = a.get_string("published");
  o.base_model = a.get_string("base_model");
  o.tokenizer = a.get_string("tokenizer", "");
  o.output = a.get_string("output");
  o.stage = a.get_string("stage", "");
  const std::string dtype = a.get_string("dtype", "bfloat16");
  if (dtype == "bfloat16") o.dtype = torch::kBFloat16;
  else if (dtype == "float32") o.dtype = torch::kFloat32;
  else throw Error("clara-import: --dtype " + dtype + " is not bfloat16 or float32");
  const ClaraImportResult r = import_published_clara(o);
  std::string names;
  for (const auto& n : r.adapters) names += (names.empty() ? "" : ", ") + n;
  std::cout << "clara-import: wrote " << o.output << " (" << r.stage << ", n_mem " << r.n_mem << ", adapters "
            << names << ")\n";
  for (const auto& w : r.warnings) std::cerr << "clara-import: warning: " << w << "\n";
  if (r.shared_mem_token)
    std::cerr << "clara-import: the checkpoint shares one <MEM> token; each of <MEM0.." << r.n_mem - 1
              << "> holds its row\n";
  return 0;
}

const runtime::JobRegistration kImport("clara-import", run_clara_import);

}  // namespace
}  // namespace ragforge::recipes::clara
