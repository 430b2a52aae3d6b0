#include "config/apply_overrides.h"

#include <map>

#include "config/config_view.h"  // closest_match
#include "config/hydra_errors.h"
#include "config/interpolation.h"
#include "config/merge.h"
#include "config/python_str.h"

namespace ragforge::config {
namespace {

// OmegaConf names a node's type in its messages; Hydra's own nodes are
// structured configs (dataclasses), everything else is a plain dict.
std::string object_type(const std::vector<std::string>& path, const Node& node) {
  if (node.is_list()) return "list";
  static const std::map<std::string, std::string> hydra_types = {
      {"hydra", "HydraConf"},           {"hydra.run", "RunDir"},
      {"hydra.sweep", "SweepDir"},      {"hydra.help", "HelpConf"},
      {"hydra.hydra_help", "HydraHelpConf"}, {"hydra.overrides", "OverridesConf"},
      {"hydra.job", "JobConf"},         {"hydra.job.config", "JobConfig"},
      {"hydra.job.config.override_dirname", "OverrideDirname"}, {"hydra.runtime", "RuntimeConf"}};
  std::string dotted;
  for (const auto& p : path) dotted += (dotted.empty() ? "" : ".") + p;
  auto it = hydra_types.find(dotted);
  return it == hydra_types.end() ? "dict" : it->second;
}

bool is_structured(const std::string& type) { return type != "dict" && type != "list"; }

// `a.c[5]` for list elements, `a.b` for dict keys.
std::string full_key(const std::vector<std::string>& parents, const std::vector<bool>& parent_is_list,
                     const std::string& last, bool last_in_list) {
  std::string out;
  for (size_t i = 0; i < parents.size(); ++i) {
    bool in_list = i > 0 && parent_is_list[i - 1];
    out += in_list ? "[" + parents[i] + "]" : (out.empty() ? "" : ".") + parents[i];
  }
  if (last_in_list) return out + "[" + last + "]";
  return out + (out.empty() ? "" : ".") + last;
}

std::string not_in_struct(const std::string& key, const std::string& fk, const std::string& type) {
  if (is_structured(type))
    return "Key '" + key + "' not in '" + type + "'\n    full_key: " + fk + "\n    object_type=" + type;
  return "Key '" + key + "' is not in struct\n    full_key: " + fk + "\n    object_type=" + type;
}

struct UpdateError {
  UpdateError(std::string t, std::string m) : type(std::move(t)), message(std::move(m)) {}
  std::string type, message;
  // A key missing from a struct dict: the keys it has, for "Did you mean".
  std::vector<std::string> parent_path;
  std::string missing_key;
  std::vector<std::string> siblings;
};

UpdateError struct_error(const std::string& type, const std::string& message, const std::vector<std::string>& path,
                         const std::string& key, const Node& dict) {
  UpdateError e(type, message);
  e.parent_path = path;
  e.missing_key = key;
  for (const DictEntry& d : dict.entries()) e.siblings.push_back(d.key.text);
  return e;
}

bool parse_index(const std::string& s, size_t& idx) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  idx = std::stoull(s);
  return true;
}

// Merges a dict value into an existing dict, honouring struct mode.
void merge_checked(Node& dest, const Node& src, bool is_struct, std::vector<std::string> path,
                   std::vector<bool> is_list) {
  if (!dest.is_dict() || !src.is_dict()) {
    merge_into(dest, src);
    return;
  }
  for (const DictEntry& e : src.entries()) {
    Node* d = dest.find(e.key.text);
    if (!d && is_struct) {
      std::string fk = full_key(path, is_list, e.key.text, false);
      throw struct_error("ConfigKeyError", not_in_struct(e.key.text, fk, object_type(path, dest)), path, e.key.text, dest);
    }
    if (d && d->is_dict() && e.value.is_dict()) {
      auto p = path;
      p.push_back(e.key.text);
      auto l = is_list;
      l.push_back(false);
      merge_checked(*d, e.value, d->struct_flag.value_or(is_struct), p, l);
      continue;
    }
    Node single = Node::dict();
    single.set(e.key, e.value);
    merge_into(dest, single);
  }
}

void update_impl(Node& cfg, const std::string& key, const Node& value, bool force_add) {
  auto parts = split_dotted(key);
  Node* root = &cfg;
  bool is_struct = cfg.struct_flag.value_or(false);
  std::vector<std::string> path;
  std::vector<bool> path_is_list;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string& k = parts[i];
    Node* next = nullptr;
    if (root->is_dict()) {
      next = root->find(k);
    } else if (root->is_list()) {
      size_t idx;
      if (parse_index(k, idx) && idx < root->items().size()) next = &root->items()[idx];
    }
    if (!next || !next->is_container()) {
      if (root->is_dict()) {
        if (!next && is_struct && !force_add)
          throw struct_error("ConfigKeyError", not_in_struct(k, full_key(path, path_is_list, k, false), object_type(path, *root)),
                             path, k, *root);
        next = &root->set(k, Node::dict());
      } else {
        size_t idx;
        if (!parse_index(k, idx) || idx >= root->items().size())
          throw UpdateError{"ConfigIndexError", "list index out of range\n    full_key: " +
                                                    full_key(path, path_is_list, k, true) + "\n    object_type=list"};
        root->items()[idx] = Node::dict();
        next = &root->items()[idx];
      }
    }
    path.push_back(k);
    path_is_list.push_back(root->is_list());
    is_struct = next->struct_flag.value_or(is_struct);
    root = next;
  }
  const std::string& last = parts.back();
  if (force_add) is_struct = false;
  if (root->is_list()) {
    size_t idx;
    if (!parse_index(last, idx) || idx >= root->items().size())
      throw UpdateError{"ConfigIndexError", "list index out of range\n    full_key: " +
                                                full_key(path, path_is_list, last, true) + "\n    object_type=list"};
    Node& target = root->items()[idx];
    if (value.is_container() && target.is_container()) {
      auto p = path;
      p.push_back(last);
      auto l = path_is_list;
      l.push_back(true);
      merge_checked(target, value, is_struct, p, l);
    } else {
      target = value;
    }
    return;
  }
  if (!root->is_dict()) throw UpdateError{"ConfigKeyError", "cannot set '" + last + "' on a " + root->type_name()};
  Node* existing = root->find(last);
  if (value.is_container() && existing && existing->is_container()) {
    auto p = path;
    p.push_back(last);
    auto l = path_is_list;
    l.push_back(false);
    merge_checked(*existing, value, existing->struct_flag.value_or(is_struct), p, l);
    return;
  }
  if (!existing && is_struct)
    throw struct_error("ConfigAttributeError",
                       not_in_struct(last, full_key(path, path_is_list, last, false), object_type(path, *root)), path,
                       last, *root);
  root->set(last, value);
}

bool values_equal(const Node& a, const Node& b) {
  if ((a.is_int() || a.is_float()) && (b.is_int() || b.is_float())) return a.as_float() == b.as_float();
  if (a.is_bool() && b.is_bool()) return a.as_bool() == b.as_bool();
  return a == b;
}

void delete_override(const Override& o, Node& cfg, const ResolveOptions& resolve) {
  const std::string& key = o.key_or_group;
  const Node* where = cfg.at_path(key);
  Node config_val;
  if (where) config_val = resolve_value(cfg, key, resolve);  // broken interpolations fail here
  if (!where || config_val.is_null())
    throw composition_error("Could not delete from config. '" + key + "' does not exist.");
  Node expected = o.value_type ? o.value_node() : Node();
  if (o.value_type && !expected.is_null() && !values_equal(expected, config_val))
    throw composition_error("Could not delete from config. The value of '" + key + "' is " +
                            python_str(config_val) + " and not " + python_str(expected) + ".");
  auto dot = key.rfind('.');
  Node* parent = dot == std::string::npos ? &cfg : cfg.at_path(key.substr(0, dot));
  std::string last = dot == std::string::npos ? key : key.substr(dot + 1);
  if (parent->is_list()) throw HydraError("TypeError", "list indices must be integers or slices, not str");
  parent->erase(last);
}

std::string dotted(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ".") + p;
  return s;
}

// "Did you mean 'trainer.lr'?" for a key missing from a struct dict; at the
// root, config group names are candidates too (`modle=llama`).
void hint_missing_key(HydraError& he, const UpdateError& e, const GroupLister& groups_under) {
  if (e.missing_key.empty()) return;
  std::vector<std::string> candidates = e.siblings;
  if (e.parent_path.empty() && groups_under) {
    auto groups = groups_under("");
    candidates.insert(candidates.end(), groups.begin(), groups.end());
  }
  auto m = closest_match(e.missing_key, candidates);
  if (!m || *m == e.missing_key) return;
  auto path = e.parent_path;
  path.push_back(*m);
  he.add_hint("  Did you mean '" + dotted(path) + "'?");
}

// "Did you mean 'model'?" for `grup@pkg=x` naming a missing group.
void hint_missing_group(HydraError& he, const std::string& group, const GroupLister& groups_under) {
  if (!groups_under) return;
  auto slash = group.rfind('/');
  hint_closest(he, group, groups_under(slash == std::string::npos ? "" : group.substr(0, slash)));
}

}  // namespace

void update_config(Node& cfg, const std::string& key, const Node& value, bool force_add) {
  try {
    update_impl(cfg, key, value, force_add);
  } catch (const UpdateError& e) {
    throw HydraError(e.type, e.message);
  }
}

void apply_overrides(const std::vector<const Override*>& overrides, Node& cfg, const ResolveOptions& resolve,
                     const GroupLister& groups_under) {
  for (const Override* op : overrides) {
    const Override& o = *op;
    if (o.package) {
      HydraError e = composition_error("Override " + o.input + " looks like a config group override, but config group '" +
                                       o.key_or_group + "' does not exist.");
      hint_missing_group(e, o.key_or_group, groups_under);
      throw e;
    }
    const std::string& key = o.key_or_group;
    Node value = o.value_node();
    value.origin = "override '" + o.input + "'";
    try {
      switch (o.type) {
        case OverrideType::Del:
          delete_override(o, cfg, resolve);
          break;
        case OverrideType::Add: {
          const Node* existing = cfg.at_path(key);
          if (!existing || existing->is_null() || value.is_container()) {
            update_impl(cfg, key, value, true);
          } else {
            std::string rest = o.input.substr(1);
            throw composition_error("Could not append to config. An item is already at '" + key +
                                    "'.\nEither remove + prefix: '" + rest + "'\nOr add a second + to add or override '" +
                                    key + "': '+" + o.input + "'\n");
          }
          break;
        }
        case OverrideType::ForceAdd:
          update_impl(cfg, key, value, true);
          break;
        case OverrideType::Change:
          try {
            update_impl(cfg, key, value, false);
          } catch (const UpdateError& e) {
            if (e.type != "ConfigAttributeError" && e.type != "ConfigKeyError") throw;
            HydraError he = composition_error("Could not override '" + key + "'.\nTo append to your config use +" +
                                              o.input, e.type, e.message);
            hint_missing_key(he, e, groups_under);
            throw he;
          }
          break;
      }
    } catch (const UpdateError& e) {
      throw composition_error("Error merging override " + o.input, e.type, e.message);
    } catch (const InterpolationError& e) {
      throw composition_error("Error merging override " + o.input, e.type_name(), e.what());
    }
  }
}

}  // namespace ragforge::config
