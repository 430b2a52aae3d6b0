#include "model/blas_threads.h"

#include <dlfcn.h>

namespace ragforge::model {
namespace {

struct OpenBlasApi {
  int (*get)() = nullptr;
  void (*set)(int) = nullptr;
};

// LibTorch's BLAS is a dependency of a library dlopened without RTLD_GLOBAL,
// so its symbols are looked up in the already loaded library by name.
const OpenBlasApi& openblas() {
  static const OpenBlasApi api = [] {
    OpenBlasApi a;
    for (const char* name : {"libopenblas.so.0", "libblas.so.3"}) {
      void* lib = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
      if (!lib) continue;
      a.get = reinterpret_cast<int (*)()>(dlsym(lib, "openblas_get_num_threads"));
      a.set = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"));
      if (a.get && a.set) break;
      a = OpenBlasApi();
    }
    return a;
  }();
  return api;
}

}  // namespace

SingleThreadedBlas::SingleThreadedBlas() {
  const OpenBlasApi& api = openblas();
  if (!api.get) return;
  previous_ = api.get();
  if (previous_ > 1) api.set(1);
  else previous_ = 0;
}

SingleThreadedBlas::~SingleThreadedBlas() {
  if (previous_ > 0) openblas().set(previous_);
}

}  // namespace ragforge::model
