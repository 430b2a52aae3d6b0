#include "config/instantiate.h"

#include <mutex>

#include "core/error.h"

namespace ragforge::config {
namespace {

struct Registry {
  std::map<std::string, Factory> factories;
  std::map<std::string, std::string> aliases;  // alias -> canonical name
};

Registry& registry() {
  static Registry r;
  return r;
}

const Factory* find_factory(const std::string& name) {
  auto& r = registry();
  auto a = r.aliases.find(name);
  auto it = r.factories.find(a == r.aliases.end() ? name : a->second);
  return it == r.factories.end() ? nullptr : &it->second;
}

std::string where(const std::string& path) { return path.empty() ? "at the config root" : "at '" + path + "'"; }

std::string join_path(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

bool is_target_node(const Node& n) { return n.is_dict() && n.find("_target_") != nullptr; }

bool read_bool_flag(const Node& n, const char* key, bool fallback, const std::string& path) {
  const Node* v = n.find(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool())
    throw Error(std::string(key) + " must be true or false, got '" + (v->is_string() ? v->as_string() : v->type_name()) +
                "' (" + where(path) + (v->origin.empty() ? "" : ", " + v->origin) + ")");
  return v->as_bool();
}

std::any instantiate_node(const Node& resolved, const Node& raw, const std::string& path, bool recursive);

// A value inside a target's arguments: nested targets become objects when
// recursive, everything else stays a config Node.
std::any instantiate_value(const Node& resolved, const Node& raw, const std::string& path, bool recursive) {
  if (recursive && is_target_node(resolved)) return instantiate_node(resolved, raw, path, true);
  return resolved;
}

std::any call_target(const Node& resolved, const Node& raw, const std::string& path, bool recursive) {
  const Node& target_node = *resolved.find("_target_");
  if (!target_node.is_string())
    throw Error("_target_ must be a string naming a registered class (" + where(path) + ")");
  TargetCall call;
  call.target = target_node.as_string();
  call.path = path;
  recursive = read_bool_flag(resolved, "_recursive_", recursive, path);
  bool partial = read_bool_flag(resolved, "_partial_", false, path);
  if (const Node* c = resolved.find("_convert_"); c && !c->is_null()) {
    std::string mode = c->is_string() ? c->as_string() : "";
    if (mode != "none" && mode != "partial" && mode != "object" && mode != "all")
      throw Error("_convert_ must be one of none, partial, object, all (" + where(path) + ")");
    call.convert = mode;
  }
  const Factory* factory = find_factory(call.target);
  if (!factory) {
    std::string msg = "Error locating target '" + call.target + "' (" + where(path) + "): no factory is registered under that name";
    if (auto m = closest_match(call.target, registered_targets())) msg += "; did you mean '" + *m + "'?";
    throw Error(msg);
  }
  call.kwargs = Node::dict();
  call.raw_kwargs = Node::dict();
  for (const DictEntry& e : resolved.entries()) {
    const std::string& k = e.key.text;
    const Node* raw_child = raw.is_dict() ? raw.find(k) : nullptr;
    const Node& rc = raw_child ? *raw_child : e.value;
    if (k == "_target_" || k == "_recursive_" || k == "_partial_" || k == "_convert_") continue;
    if (k == "_args_") {
      if (!e.value.is_list()) throw Error("_args_ must be a list (" + where(path) + ")");
      for (size_t i = 0; i < e.value.items().size(); ++i) {
        const Node& rv = rc.is_list() && i < rc.items().size() ? rc.items()[i] : e.value.items()[i];
        call.args.push_back(instantiate_value(e.value.items()[i], rv, join_path(path, "_args_." + std::to_string(i)), recursive));
      }
      continue;
    }
    if (recursive && is_target_node(e.value)) {
      call.objects[k] = instantiate_node(e.value, rc, join_path(path, k), true);
      continue;
    }
    call.kwargs.set(e.key, e.value);
    call.raw_kwargs.set(e.key, rc);
  }
  if (partial) return PartialCall{std::move(call), *factory};
  try {
    return (*factory)(call);
  } catch (const Error& ex) {
    throw Error("Error in call to target '" + call.target + "' (" + where(path) + "):\n" + ex.what());
  } catch (const std::exception& ex) {
    throw Error("Error in call to target '" + call.target + "' (" + where(path) + "):\n" + ex.what());
  }
}

std::any instantiate_node(const Node& resolved, const Node& raw, const std::string& path, bool recursive) {
  if (is_target_node(resolved)) return call_target(resolved, raw, path, recursive);
  if (resolved.is_list() && recursive) {
    std::vector<std::any> out;
    for (size_t i = 0; i < resolved.items().size(); ++i) {
      const Node& rv = raw.is_list() && i < raw.items().size() ? raw.items()[i] : resolved.items()[i];
      out.push_back(instantiate_value(resolved.items()[i], rv, join_path(path, std::to_string(i)), true));
    }
    return out;
  }
  return resolved;
}

}  // namespace

void TargetCall::throw_missing_object(const std::string& key) const {
  throw Error(join_path(path, key) + ": expected a nested `_target_` node for " + target);
}
void TargetCall::throw_wrong_object(const std::string& key) const {
  throw Error(join_path(path, key) + ": the object built there is not the type " + target + " needs");
}

std::any PartialCall::operator()(const Node& extra_kwargs) const {
  TargetCall full = call;
  if (extra_kwargs.is_dict())
    for (const DictEntry& e : extra_kwargs.entries()) {
      full.kwargs.set(e.key, e.value);
      full.raw_kwargs.set(e.key, e.value);
    }
  try {
    return factory(full);
  } catch (const std::exception& ex) {
    throw Error("Error in call to target '" + call.target + "' (" + where(call.path) + "):\n" + ex.what());
  }
}

void register_target(const std::string& name, Factory factory, const std::vector<std::string>& aliases) {
  auto& r = registry();
  r.factories[name] = std::move(factory);
  for (const auto& a : aliases) r.aliases[a] = name;
}

bool has_target(const std::string& name) { return find_factory(name) != nullptr; }

std::vector<std::string> registered_targets() {
  std::vector<std::string> names;
  for (const auto& [n, f] : registry().factories) names.push_back(n);
  for (const auto& [a, n] : registry().aliases) names.push_back(a);
  return names;
}

std::any instantiate(const Node& resolved, const Node& raw, const std::string& path) {
  const Node* r = path.empty() ? &resolved : resolved.at_path(path);
  if (!r) throw Error("instantiate: no config node at '" + path + "'");
  const Node* w = path.empty() ? &raw : raw.at_path(path);
  return instantiate_node(*r, w ? *w : *r, path, true);
}

}  // namespace ragforge::config
