// run_job() in ragforge-full: the job runs in this process, natively when it
// needs no tensors (full/native_jobs.h), else in the LibTorch runtime loaded
// on first use.
#include <dlfcn.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>

#include "cli/install_paths.h"
#include "cli/job_launcher.h"
#include "full/native_jobs.h"
#include "runtime/job_abi.h"

namespace ragforge::cli {
namespace {

// $RAGFORGE_RUNTIME_LIB, else <dir of this executable>/../lib/libragforge_torch.so
// (the same relative layout in the build tree and in an install).
std::string runtime_library_path() {
  if (const char* env = std::getenv("RAGFORGE_RUNTIME_LIB"); env && *env) return env;
  return executable_dir() + "/../lib/" RAGFORGE_RUNTIME_LIB_NAME;
}

}  // namespace

int run_job(const std::string& job, const std::string& config_yaml, const std::string& run_dir) {
  if (const full::NativeJobFn* native = full::find_native_job(job)) return (*native)(config_yaml, run_dir);
  const std::string path = runtime_library_path();
  // OpenMP threads spin-wait by default; next to OpenBLAS's own threads on a
  // small machine that starves the math (5x slower training steps on 2
  // cores). libgomp reads this once, when the runtime loads it.
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
  // OpenBLAS's idle workers likewise spin (sched_yield) for 2^28 cycles after
  // each GEMM, taking a core from the elementwise ops between GEMMs; 2^4
  // cycles makes them sleep at once: 10-20% faster model steps on 2 cores
  // (README "Model compute"). Read when libopenblas loads.
  setenv("OPENBLAS_THREAD_TIMEOUT", "4", /*overwrite=*/0);
#ifdef __GLIBC__
  // glibc hands blocks over its mmap threshold back to the kernel on free
  // and trims the heap top, so every step page-faults its activations in
  // again (perf: ~15% of a step in the kernel). Keep freed memory for reuse,
  // as LibTorch's CUDA caching allocator does; the peak RSS is unchanged.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::fprintf(stderr,
                 "error: cannot load the LibTorch runtime '%s': %s\n"
                 "Build it with scripts/build.sh, or point RAGFORGE_RUNTIME_LIB at it.\n",
                 path.c_str(), dlerror());
    return 2;
  }
  auto job_main = reinterpret_cast<ragforge_job_main_fn>(dlsym(handle, RAGFORGE_JOB_MAIN_SYMBOL));
  if (!job_main) {
    std::fprintf(stderr, "error: '%s' does not export %s; it is not a ragforge runtime\n",
                 path.c_str(), RAGFORGE_JOB_MAIN_SYMBOL);
    return 2;
  }
  std::fflush(stdout);
  // The library stays loaded until exit: LibTorch does not support dlclose.
  return job_main(RAGFORGE_JOB_ABI_VERSION, job.c_str(), config_yaml.c_str(), run_dir.c_str());
}

}  // namespace ragforge::cli
