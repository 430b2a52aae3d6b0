#include "settings/section_checks.h"

#include "core/error.h"

namespace ragforge::settings {

config::ConfigView optional_section(const config::ConfigView& root, const std::string& key) {
  static const config::Node kEmpty = config::Node::dict();
  return root.has(key) ? root.child(key) : config::ConfigView(kEmpty, key);
}

void require_at_least(const config::ConfigView& v, const std::string& key, int64_t value, int64_t min) {
  if (value >= min) return;
  throw Error(v.full_key(key) + ": must be >= " + std::to_string(min) + ", got " + std::to_string(value) +
              v.origin_suffix(key));
}

}  // namespace ragforge::settings
