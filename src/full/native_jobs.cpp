#include "full/native_jobs.h"

#include <map>

namespace ragforge::full {
namespace {
std::map<std::string, NativeJobFn>& native_jobs() {
  static std::map<std::string, NativeJobFn> registry;  // constructed on first use
  return registry;
}
}  // namespace

NativeJobRegistration::NativeJobRegistration(const char* name, NativeJobFn fn) {
  native_jobs()[name] = std::move(fn);
}

const NativeJobFn* find_native_job(const std::string& name) {
  auto it = native_jobs().find(name);
  return it == native_jobs().end() ? nullptr : &it->second;
}

}  // namespace ragforge::full
