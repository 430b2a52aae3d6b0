// The exported entry point of libragforge_torch.so (see job_abi.h). It turns
// every exception into a message on stderr and a non-zero exit code.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

#include "core/error.h"
#include "runtime/job_abi.h"
#include "runtime/job_registry.h"
#include "compat/torch_compat.h"

namespace {
// Debian's OpenMP LibTorch starts with one intra-op thread unless told
// otherwise; PyTorch users expect one per core. OMP_NUM_THREADS still wins.
void init_threads() {
  const char* env = std::getenv("OMP_NUM_THREADS");
  if (env && *env) return;
  unsigned cores = std::thread::hardware_concurrency();
  if (cores > 0) at::set_num_threads(static_cast<int>(cores));
}
}  // namespace

extern "C" __attribute__((visibility("default"))) int ragforge_job_main(
    int abi_version, const char* job_name, const char* config_yaml, const char* run_dir) {
  using namespace ragforge::runtime;
  if (abi_version != RAGFORGE_JOB_ABI_VERSION) {
    std::fprintf(stderr,
                 "error: libragforge_torch.so speaks job ABI %d but the executable speaks %d; "
                 "rebuild both from the same checkout\n",
                 RAGFORGE_JOB_ABI_VERSION, abi_version);
    return 2;
  }
  JobContext ctx{job_name ? job_name : "", config_yaml ? config_yaml : "", run_dir ? run_dir : ""};
  const JobFn* job = find_job(ctx.name);
  if (!job) {
    std::string known;
    for (const auto& n : job_names()) known += " " + n;
    std::fprintf(stderr, "error: the runtime has no job '%s' (known:%s)\n", ctx.name.c_str(),
                 known.c_str());
    return 2;
  }
  try {
    init_threads();
    return (*job)(ctx);
  } catch (const ragforge::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "error: LibTorch: %s\n", ragforge::compat::error_message(e).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  }
  return 1;
}
