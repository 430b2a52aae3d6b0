// The one place where LibTorch version differences are handled. ragforge
// builds against Debian's LibTorch 1.13 (CPU) and pip's LibTorch 2.x (CUDA).
#pragma once
#include <torch/torch.h>
#include <torch/version.h>

#include <string>

#define RAGFORGE_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||           \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace ragforge::compat {

// "1.13.0"; Debian's 1.13.1 package reports its upstream header version.
inline std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
         "." + std::to_string(TORCH_VERSION_PATCH);
}

// c10::Error::what() carries a C++ backtrace; users get the message alone.
inline std::string error_message(const c10::Error& e) { return e.what_without_backtrace(); }

}  // namespace ragforge::compat
