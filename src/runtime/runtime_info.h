// Facts about the LibTorch runtime this process loaded: what `ragforge --version`
// prints and what benchmarks record next to their figures.
#pragma once
#include <string>

namespace ragforge::runtime {

struct RuntimeInfo {
  std::string torch_version;
  bool cuda_available = false;
  int cuda_devices = 0;
  std::string cuda_device_name;  // device 0, empty without CUDA
  std::string blas;              // e.g. "OpenBLAS 0.3.21 ... (/usr/lib/.../libblas.so.3)"
  int intra_op_threads = 0;
  int inter_op_threads = 0;
};

RuntimeInfo collect_runtime_info();

}  // namespace ragforge::runtime
