#include "runtime/runtime_info.h"

#include <dlfcn.h>

#include <fstream>
#include <iostream>
#include <set>

#include "runtime/job_registry.h"
#include "compat/torch_compat.h"

#ifdef RAGFORGE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace ragforge::runtime {
namespace {

// Debian's LibTorch calls whatever libblas.so.3 the alternatives system points
// at, so the build config alone cannot say which BLAS runs. Ask the loader.
std::string loaded_blas() {
  torch::mm(torch::ones({2, 2}), torch::ones({2, 2}));  // make sure BLAS is mapped
  std::set<std::string> libs;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    auto base = path.substr(path.rfind('/') + 1);
    if (base.find("blas") != std::string::npos || base.find("mkl") != std::string::npos)
      libs.insert(path);
  }
  std::string name = "unknown";
  using config_fn = char* (*)();
  if (auto fn = reinterpret_cast<config_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config")))
    name = fn();
  else if (dlsym(RTLD_DEFAULT, "mkl_get_version"))
    name = "Intel MKL";
  else if (!libs.empty())
    name = "reference BLAS (slow: install libopenblas0-pthread)";
  std::string where;
  for (const auto& l : libs) where += (where.empty() ? "" : ", ") + l;
  return where.empty() ? name : name + " (" + where + ")";
}

}  // namespace

RuntimeInfo collect_runtime_info() {
  RuntimeInfo info;
  info.torch_version = compat::torch_version();
  info.cuda_available = torch::cuda::is_available();
  info.cuda_devices = static_cast<int>(torch::cuda::device_count());
#ifdef RAGFORGE_WITH_CUDA
  if (info.cuda_available) info.cuda_device_name = at::cuda::getDeviceProperties(0)->name;
#endif
  info.blas = loaded_blas();
  info.intra_op_threads = at::get_num_threads();
  info.inter_op_threads = at::get_num_interop_threads();
  return info;
}

namespace {
int print_runtime_info(const JobContext&) {
  RuntimeInfo info = collect_runtime_info();
  std::cout << "LibTorch: " << info.torch_version << "\n";
  if (info.cuda_available)
    std::cout << "CUDA: available, " << info.cuda_devices << " device(s), device 0: "
              << info.cuda_device_name << "\n";
  else
    std::cout << "CUDA: not available\n";
  std::cout << "BLAS: " << info.blas << "\n";
  std::cout << "Threads: " << info.intra_op_threads << " intra-op, " << info.inter_op_threads
            << " inter-op\n";
  return 0;
}
const JobRegistration reg("runtime-info", print_runtime_info);
}  // namespace

}  // namespace ragforge::runtime
