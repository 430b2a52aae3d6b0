// Hydra's instantiate() for C++: a config node holding `_target_` names a
// factory registered from C++ (under its name and any aliases, e.g.
// `ragfit.models.hf.HFTrain`); instantiate() calls it with the node's
// arguments. Supported keys, with Hydra's meaning:
//   _target_    registered name or alias
//   _args_      positional arguments (a list; targets inside are instantiated)
//   _recursive_ instantiate nested `_target_` nodes first (default true)
//   _partial_   return a PartialCall to finish later with extra arguments
//   _convert_   none | partial | object | all; C++ factories always receive a
//               typed ConfigView, so this is validated and passed through
#pragma once
#include <any>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/config_view.h"
#include "config/node.h"

namespace ragforge::config {

struct TargetCall {
  std::string target;  // as written in the config
  std::string path;    // where the node lives, e.g. "model.optimizer"
  Node kwargs;         // resolved keyword arguments, reserved keys removed
  Node raw_kwargs;     // the same before resolution (origins for messages)
  std::vector<std::any> args;              // `_args_`: instantiated objects or Nodes
  std::map<std::string, std::any> objects;  // keyword arguments that were `_target_` nodes
  std::string convert = "none";

  ConfigView config() const { return ConfigView(kwargs, raw_kwargs, path); }
  // A nested instantiated object, with a clear error if absent or of another type.
  template <typename T>
  T object(const std::string& key) const {
    auto it = objects.find(key);
    if (it == objects.end()) throw_missing_object(key);
    if (const T* v = std::any_cast<T>(&it->second)) return *v;
    throw_wrong_object(key);
  }

 private:
  [[noreturn]] void throw_missing_object(const std::string& key) const;
  [[noreturn]] void throw_wrong_object(const std::string& key) const;
};

using Factory = std::function<std::any(const TargetCall&)>;

// `_partial_: true` gives one of these; call() adds or replaces keyword arguments.
struct PartialCall {
  TargetCall call;
  Factory factory;
  std::any operator()(const Node& extra_kwargs = Node::dict()) const;
};

void register_target(const std::string& name, Factory factory, const std::vector<std::string>& aliases = {});
bool has_target(const std::string& name);
std::vector<std::string> registered_targets();

// Instantiates the node at `path` of a composed config. `resolved` has its
// interpolations resolved; `raw` is the same tree before resolution.
std::any instantiate(const Node& resolved, const Node& raw, const std::string& path = "");

}  // namespace ragforge::config
