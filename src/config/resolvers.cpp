// The resolver registry (OmegaConf.register_new_resolver and friends).
#include "config/resolvers.h"

#include <map>
#include <mutex>

#include "config/resolve_session.h"
#include "core/error.h"

namespace ragforge::config {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, detail::ResolverEntry> entries;

  Registry() {
    using detail::Builtin;
    // OmegaConf's defaults, then what Hydra registers at start-up.
    const std::pair<const char*, Builtin> builtins[] = {
        {"oc.create", Builtin::OcCreate},         {"oc.decode", Builtin::OcDecode},
        {"oc.deprecated", Builtin::OcDeprecated}, {"oc.env", Builtin::OcEnv},
        {"oc.select", Builtin::OcSelect},         {"oc.dict.keys", Builtin::OcDictKeys},
        {"oc.dict.values", Builtin::OcDictValues}, {"hydra", Builtin::Hydra},
        {"now", Builtin::Now},                    {"python_version", Builtin::PythonVersion},
    };
    for (const auto& [name, which] : builtins) entries[name] = detail::ResolverEntry{nullptr, which};
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_resolver(const std::string& name, Resolver fn, bool replace) {
  if (!fn) throw Error("resolver must be callable");
  if (name.empty()) throw Error("cannot use an empty resolver name");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!replace && r.entries.count(name)) throw Error("resolver '" + name + "' is already registered");
  r.entries[name] = detail::ResolverEntry{std::move(fn), std::nullopt};
}

bool has_resolver(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.entries.count(name) > 0;
}

bool clear_resolver(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.entries.erase(name) > 0;
}

namespace detail {

std::optional<ResolverEntry> find_resolver(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.entries.find(name);
  if (it == r.entries.end()) return std::nullopt;
  return it->second;
}

}  // namespace detail
}  // namespace ragforge::config
