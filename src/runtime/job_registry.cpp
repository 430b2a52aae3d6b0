#include "runtime/job_registry.h"

#include <map>

namespace ragforge::runtime {
namespace {
std::map<std::string, JobFn>& jobs() {
  static std::map<std::string, JobFn> registry;  // constructed on first use
  return registry;
}
}  // namespace

JobRegistration::JobRegistration(const char* name, JobFn fn) { jobs()[name] = std::move(fn); }

const JobFn* find_job(const std::string& name) {
  auto it = jobs().find(name);
  return it == jobs().end() ? nullptr : &it->second;
}

std::vector<std::string> job_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : jobs()) names.push_back(name);
  return names;
}

}  // namespace ragforge::runtime
