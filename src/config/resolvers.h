// Resolvers: the `name` in `${name:arg1,arg2}`.
//
// OmegaConf's built-ins (oc.env, oc.select, oc.decode, oc.create,
// oc.deprecated, oc.dict.keys, oc.dict.values) and Hydra's (hydra, now,
// python_version) are registered at start-up. C++ code adds its own with
// register_resolver(); a custom resolver receives its arguments already
// evaluated, as OmegaConf passes them to a Python resolver.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/node.h"

namespace ragforge::config {

struct ResolveOptions {
  // The `hydra` node that `${hydra:...}` reads (HydraConfig). Null means no
  // HydraConfig, which fails as in a bare compose() call.
  const Node* hydra = nullptr;
  // Environment lookup for oc.env; nullopt means "not set". Unset (empty
  // function) reads the process environment with ::getenv.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Receives warnings Python would emit (oc.deprecated, empty resolver
  // arguments). Unset: warnings are dropped.
  std::function<void(const std::string&)> warn;
  // What `${python_version:...}` reports ("major.minor.micro"); the recorded
  // reference ran Python 3.11.
  std::string python_version = "3.11.0";
};

// What a custom resolver may look at besides its arguments.
struct ResolverContext {
  const Node& root;                          // the config being resolved
  const std::vector<std::string>& node_path; // keys from the root to the node holding the interpolation
  const std::vector<std::string>& args_str;  // each argument's source text, as written
  const ResolveOptions& options;
};

// Arguments arrive evaluated: `${f:1,'a',[x],${b}}` gives int 1, string "a",
// a list, and the value of b (a container comes as an unresolved copy). The
// returned Node is taken as a plain value and not resolved again. To fail
// with a specific OmegaConf/Python exception name, throw InterpolationError
// (interpolation_error.h); any other exception is reported as a generic error.
using Resolver = std::function<Node(const std::vector<Node>& args, const ResolverContext&)>;

// Adds `name` (may be dotted, "my.ns.fn"). Registering an existing name
// throws ragforge::Error unless `replace` is true, as in OmegaConf.
void register_resolver(const std::string& name, Resolver fn, bool replace = false);
bool has_resolver(const std::string& name);
// Removes a resolver (built-ins included); returns whether it existed.
bool clear_resolver(const std::string& name);

}  // namespace ragforge::config
