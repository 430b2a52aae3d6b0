#include "config/defaults_list.h"

#include <algorithm>
#include <map>
#include <set>

#include "config/config_view.h"  // closest_match
#include "config/hydra_errors.h"
#include "config/interpolation.h"
#include "config/python_str.h"

namespace ragforge::config {
namespace {

// ---- command-line group overrides ---------------------------------------------

struct OverrideMetadata {
  bool external = false;
  std::optional<std::string> containing_config_path;
  bool used = false;
  std::string where;  // for messages: "from command-line override 'db=x'"
};

struct GroupChoice {
  bool is_list = false;
  std::optional<std::string> name;
  std::vector<std::string> options;
};

struct Deletion {
  std::optional<std::string> name;
  bool used = false;
};

template <typename V>
using OrderedMap = std::vector<std::pair<std::string, V>>;

template <typename V>
V* lookup(OrderedMap<V>& m, const std::string& k) {
  for (auto& [key, v] : m)
    if (key == k) return &v;
  return nullptr;
}

class Overrides {
 public:
  Overrides(const ConfigRepository& repo, const std::vector<Override>& list) {
    for (const Override& o : list) {
      if (o.is_sweep()) continue;
      const bool is_group = repo.group_exists(o.key_or_group);
      Node value = o.value_node();
      if (value.is_dict() || !is_group) {
        config_overrides.push_back(&o);
      } else if (o.type == OverrideType::ForceAdd) {
        throw composition_error("force-add of config groups is not supported: '" + o.input + "'");
      } else if (o.type == OverrideType::Del) {
        std::string key = o.key_element().substr(1);
        if (!value.is_null() && !value.is_string())
          throw HydraError("ValueError", "Config group override deletion value must be a string : " + o.input);
        deletions.emplace_back(key, Deletion{value.is_null() ? std::nullopt : std::optional<std::string>(value.as_string()), false});
      } else if (!value.is_string() && !value.is_list()) {
        throw HydraError("ValueError", std::string("Config group override must be a string or a list. Got ") +
                                           python_type_name(value));
      } else if (o.type == OverrideType::Add) {
        InputDefault d = InputDefault::group_default(o.key_or_group, std::nullopt, o.package);
        set_value(d, value);
        d.external_append = true;
        append_group_defaults.push_back(d);
        append_sources.emplace_back(d.override_key(), "from command-line override '" + o.input + "'");
      } else {
        GroupChoice c;
        set_choice(c, value);
        std::string key = o.key_element();
        if (auto* existing = lookup(choices, key)) *existing = c;
        else choices.emplace_back(key, c);
        OverrideMetadata meta{true, std::nullopt, false, "from command-line override '" + o.input + "'"};
        if (auto* m = lookup(metadata, key)) *m = meta;
        else metadata.emplace_back(key, meta);
      }
    }
  }

  // An `override` entry of a config. Command-line choices always win. Among
  // config overrides the later one wins: Hydra 1.3.2 kept the first, which
  // its maintainers called a bug (#3229).
  // `where`: the entry, for messages ("from entry 'override db: x' in defaults of /abs/exp.yaml").
  void add_override(const std::string& parent_config_path, const InputDefault& d, const std::string& where) {
    std::string key = d.override_key();
    GroupChoice c{d.value_is_list, d.value, d.options};
    if (auto* m = lookup(metadata, key)) {
      if (m->external) return;
      *lookup(choices, key) = c;
      *m = OverrideMetadata{false, parent_config_path, false, where};
      return;
    }
    choices.emplace_back(key, c);
    metadata.emplace_back(key, OverrideMetadata{false, parent_config_path, false, where});
  }

  // Where the choice that replaced `d`'s option came from.
  std::string override_source(const InputDefault& d) {
    auto* m = lookup(metadata, d.override_key());
    return m ? m->where : std::string();
  }
  // Where a `+group=x` entry came from.
  std::string append_source(const InputDefault& d) {
    auto* w = lookup(append_sources, d.override_key());
    return w ? *w : std::string("from the command line");
  }

  bool is_overridden(const InputDefault& d) {
    return d.kind == InputDefault::Kind::Group && lookup(choices, d.override_key()) != nullptr;
  }

  void override_default_option(InputDefault& d) {
    std::string key = d.override_key();
    if (auto* c = lookup(choices, key)) {
      d.value_is_list = c->is_list;
      d.value = c->name;
      d.options = c->options;
      lookup(metadata, key)->used = true;
    }
  }

  void ensure_overrides_used() {
    for (auto& [key, meta] : metadata) {
      if (meta.used) continue;
      std::string group = key.substr(0, key.find('@'));
      std::set<std::string> keys;
      if (auto* s = lookup(known_choices_per_group, group)) keys = *s;
      std::string msg;
      if (keys.size() > 1) {
        std::string joined;
        for (const auto& k : keys) joined += (joined.empty() ? "" : ", ") + k;
        msg = "Could not override '" + key + "'.\nDid you mean to override one of " + joined + "?";
      } else if (keys.size() == 1) {
        msg = "Could not override '" + key + "'.\nDid you mean to override " + *keys.begin() + "?";
      } else {
        msg = "Could not override '" + key + "'. No match in the defaults list.";
      }
      if (meta.containing_config_path) msg = "In '" + *meta.containing_config_path + "': " + msg;
      if (meta.external) msg += "\nTo append to your default list use +" + key + "=" + choice_str(*lookup(choices, key));
      HydraError e = composition_error(msg);
      e.locate({"  " + meta.where});
      std::vector<std::string> known;
      for (const auto& [k, v] : known_choices) known.push_back(k);
      hint_closest(e, key, known);
      throw e;
    }
  }

  void ensure_deletions_used() {
    for (auto& [key, del] : deletions) {
      if (del.used) continue;
      std::string desc = del.name ? key + "=" + *del.name : key;
      throw composition_error("Could not delete '" + desc + "'. No match in the defaults list");
    }
  }

  // `where`: the entry that chose `d`, for messages.
  void set_known_choice(const InputDefault& d, const std::string& where) {
    if (d.kind != InputDefault::Kind::Group) return;
    std::string key = d.override_key();
    auto name = d.name();
    if (auto* prev = lookup(known_choices, key)) {
      if (name != *prev) {
        HydraError e = composition_error("Multiple values for " + key + ". To override a value use 'override " +
                                         key + ": " + prev->value_or("None") + "'");
        std::vector<std::string> lines;
        if (!where.empty()) lines.push_back("  " + where);
        if (auto* first = lookup(choice_sources, key); first && !first->empty())
          lines.push_back("  " + *first + ", which also chooses " + key);
        throw e.locate(lines);
      }
    } else {
      known_choices.emplace_back(key, name);
      choice_sources.emplace_back(key, where);
    }
    std::string group = d.group_path();
    if (auto* s = lookup(known_choices_per_group, group)) s->insert(key);
    else known_choices_per_group.emplace_back(group, std::set<std::string>{key});
  }

  bool is_deleted(const InputDefault& d) {
    if (d.kind != InputDefault::Kind::Group) return false;
    auto* del = lookup(deletions, d.override_key());
    if (!del) return false;
    return !del->name || del->name == d.name();
  }

  void mark_deleted(InputDefault& d) {
    d.deleted = true;
    lookup(deletions, d.override_key())->used = true;
  }

  std::vector<const Override*> config_overrides;
  std::vector<InputDefault> append_group_defaults;
  Choices known_choices;

 private:
  static void set_choice(GroupChoice& c, const Node& value) {
    if (value.is_list()) {
      c.is_list = true;
      for (const Node& item : value.items())
        c.options.push_back(item.is_string() ? item.as_string() : python_str(item));
    } else {
      c.name = value.as_string();
    }
  }
  static void set_value(InputDefault& d, const Node& value) {
    GroupChoice c;
    set_choice(c, value);
    d.value_is_list = c.is_list;
    d.value = c.name;
    d.options = c.options;
  }
  static std::string choice_str(const GroupChoice& c) {
    if (!c.is_list) return c.name.value_or("None");
    std::string s = "[";
    for (size_t i = 0; i < c.options.size(); ++i) s += (i ? ", " : "") + ("'" + c.options[i] + "'");
    return s + "]";
  }

  OrderedMap<GroupChoice> choices;
  OrderedMap<OverrideMetadata> metadata;
  OrderedMap<std::string> append_sources;  // `+group=x` key -> where, for messages
  OrderedMap<std::string> choice_sources;  // known choice key -> the entry that made it
  OrderedMap<Deletion> deletions;
  OrderedMap<std::set<std::string>> known_choices_per_group;
};

// ---- building the tree ----------------------------------------------------------

// A defaults-list entry as its config wrote it: "optional db@pkg: mysql", "db/mysql".
std::string entry_text(const InputDefault& d) {
  std::string pkg = d.package ? "@" + *d.package : "";
  if (d.kind == InputDefault::Kind::Config) return d.path + pkg;
  std::string s = std::string(d.optional ? "optional " : "") + (d.override_ ? "override " : "") + d.group + pkg + ": ";
  if (!d.value_is_list) return s + d.value.value_or("null");
  s += "[";
  for (size_t i = 0; i < d.options.size(); ++i) s += (i ? ", " : "") + d.options[i];
  return s + "]";
}

std::string in_defaults_of(const std::string& file, const std::string& entry) {
  return "in defaults of " + file + " (entry '" + entry + "')";
}

struct Builder {
  ConfigRepository& repo;
  Overrides& overrides;
  bool skip_missing;
  // Where each tree node's entry came from, for error context:
  // "in defaults of /abs/train.yaml (entry 'model: llama')".
  std::map<const DefaultsTreeNode*, std::string> where_;

  std::string where(const DefaultsTreeNode& n) const {
    auto it = where_.find(&n);
    return it == where_.end() ? std::string() : it->second;
  }
  static void locate(HydraError& e, const std::string& where) {
    if (!where.empty()) e.locate({"  " + where});
  }

  // "Did you mean" for a misspelt option, or for a misspelt group (no options).
  void hint_missing(HydraError& e, const InputDefault& el, const std::vector<std::string>& options) const {
    if (!options.empty()) return hint_closest(e, el.name().value_or(""), options);
    if (el.kind != InputDefault::Kind::Group) return;
    std::string group_path = el.group_path();
    auto slash = group_path.rfind('/');
    std::string above = slash == std::string::npos ? "" : group_path.substr(0, slash);
    std::string last = slash == std::string::npos ? group_path : group_path.substr(slash + 1);
    auto m = closest_match(last, repo.subgroups(above));
    if (!m || *m == last) return;
    std::string written = el.group;  // keep the entry's own (relative or absolute) spelling
    auto w = written.rfind('/');
    e.add_hint("  Did you mean '" + (w == std::string::npos ? *m : written.substr(0, w + 1) + *m) + "'?");
  }

  [[noreturn]] void config_not_found(const DefaultsTreeNode& tree) {
    const InputDefault& el = tree.node;
    std::string msg;
    std::vector<std::string> options;
    if (el.kind == InputDefault::Kind::Group) options = repo.group_options(el.group_path());
    if (el.primary) {
      msg = "Cannot find primary config '" + el.config_path() + "'. Check that it's in your config search path.\n";
    } else {
      if (el.kind == InputDefault::Kind::Group) {
        msg = "Could not find '" + el.config_path() + "'\n";
        if (!options.empty()) {
          msg += "\nAvailable options in '" + el.group_path() + "':";
          for (const auto& o : options) msg += "\n\t" + o;
        }
      } else {
        msg = "Could not load '" + el.config_path() + "'.\n";
      }
      if (tree.parent) msg = "In '" + parent_config_path(tree) + "': " + msg;
    }
    msg += "\nConfig search path:";
    for (const auto& s : repo.sources()) msg += "\n\t" + s.describe();
    HydraError e("MissingConfigException", msg);
    if (!el.primary) {
      locate(e, where(tree));
      hint_missing(e, el, el.kind == InputDefault::Kind::Config ? repo.group_options(el.group_path()) : options);
    }
    throw e;
  }

  static std::string parent_config_path(const DefaultsTreeNode& tree) {
    if (tree.parent->is_virtual) return "<root>";
    return tree.parent->node.config_path();
  }

  bool check_not_missing(const InputDefault& d) {
    if (!d.is_missing()) return false;
    if (skip_missing) return true;
    if (d.kind == InputDefault::Kind::Group) {
      std::string key = d.override_key();
      std::string msg = "You must specify '" + key + "', e.g, " + key + "=<OPTION>\nAvailable options:\n";
      auto opts = repo.group_options(d.group_path());
      for (size_t i = 0; i < opts.size(); ++i) msg += (i ? "\n\t" : "\t") + opts[i];
      throw composition_error(msg);
    }
    throw HydraError("ValueError", "Missing ConfigDefault is not supported : " + d.config_path());
  }

  void update_package_header(InputDefault& node) {
    if (node.is_missing() || node.package_header) return;
    if (node.kind == InputDefault::Kind::Group && !node.name()) return;
    if (const LoadedConfig* loaded = repo.load(node.config_path())) node.set_package_header(loaded->package_header);
  }

  // Adds the implicit `_self_` (last) when a defaults list has none.
  static void validate_self(const InputDefault& containing, std::vector<InputDefault>& defaults) {
    bool has_self = false, has_non_override = false;
    for (const auto& d : defaults) {
      if (!d.override_) has_non_override = true;
      if (d.is_self()) {
        if (has_self) throw composition_error("Duplicate _self_ defined in " + containing.config_path());
        has_self = true;
      }
    }
    if ((!has_self && has_non_override) || defaults.empty()) defaults.push_back(InputDefault::config_default("_self_"));
  }

  // `file`: where `parent` was read from, for messages.
  static void update_overrides(std::vector<InputDefault>& defaults, Overrides& overrides,
                               const InputDefault& parent, bool interpolated_subtree, const std::string& file) {
    bool seen_override = false;
    const InputDefault* last_override = nullptr;
    for (auto& d : defaults) {
      if (d.is_self()) continue;
      const std::string entry = entry_text(d);
      d.update_parent(parent.group_path(), parent.final_package());
      bool legacy_hydra_override =
          d.kind == InputDefault::Kind::Group && !d.override_ && d.group.rfind("hydra/", 0) == 0;
      if (seen_override && !(d.override_ || d.external_append || legacy_hydra_override)) {
        throw composition_error("In " + parent.config_path() + ": Override '" + last_override->override_key() +
                                " : " + last_override->name().value_or("None") + "' is defined before '" +
                                d.override_key() + ": " + d.name().value_or("None") +
                                "'.\nOverrides must be at the end of the defaults list");
      }
      if (d.kind != InputDefault::Kind::Group) continue;
      if (legacy_hydra_override) d.override_ = true;
      if (d.override_) {
        if (!legacy_hydra_override) seen_override = true;
        last_override = &d;
        if (interpolated_subtree)
          throw composition_error(parent.config_path() +
                                  ": Default List Overrides are not allowed in the subtree\nof an in interpolated "
                                  "config group (override " + d.override_key() + "=" + d.name().value_or("None") + ").\n");
        overrides.add_override(parent.config_path(), d, "from entry '" + entry + "' in defaults of " + file);
      }
    }
  }

  // Hydra's InputDefault._resolve_interpolation_impl: the entry is resolved
  // by OmegaConf as `_dummy_` in a config whose parent holds the known group
  // choices, so `${db}` reads a choice and resolvers such as
  // `${oc.env:DB,mysql}` work; only a missing key is reworded.
  static std::string resolve_defaults_interpolation(const Choices& known, const std::string& val) {
    Node scope = Node::dict();
    for (const auto& [k, v] : known) scope.set(k, v ? Node::string(*v) : Node::null());
    scope.set("_dummy_", Node::string(val));
    Node ret;
    try {
      ret = resolve_value(scope, "_dummy_");
    } catch (const InterpolationError& e) {
      if (e.type_name() != "InterpolationKeyError") throw;
      std::string options;
      for (const auto& [k, v] : known) options += (options.empty() ? "" : ", ") + k;
      std::string msg = "Error resolving interpolation '" + val + "'";
      if (!options.empty()) msg += ", possible interpolation keys: " + options;
      throw composition_error(msg, "InterpolationKeyError", e.what());
    }
    // Hydra asserts the result is a str (a null default fails there too).
    if (!ret.is_string())
      throw composition_error("Error resolving interpolation '" + val + "': it gave " + ret.type_name() +
                              ", not a config name");
    return ret.as_string();
  }

  void add_child(DefaultsTreeNode& root, std::vector<std::unique_ptr<DefaultsTreeNode>>& children,
                 std::unique_ptr<DefaultsTreeNode> new_root, bool interpolated_subtree, const std::string& where) {
    new_root->parent = &root;
    where_[new_root.get()] = where;
    try {
      build(*new_root, false, interpolated_subtree);
    } catch (HydraError& e) {
      locate(e, where);
      throw;
    }
    children.push_back(std::move(new_root));
  }

  void expand_virtual_root(DefaultsTreeNode& root) {
    auto& kids = *root.children;
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
      DefaultsTreeNode& child = **it;
      child.parent = &root;
      child.node.update_parent("", "");
      build(child, child.node.primary, false);
    }
  }

  void build(DefaultsTreeNode& root, bool is_root_config, bool interpolated_subtree) {
    if (root.is_virtual) {
      if (is_root_config) expand_virtual_root(root);
      return;
    }
    InputDefault& parent = root.node;
    if (is_root_config) {
      parent.update_parent("", "");
      if (!repo.config_exists(parent.config_path())) config_not_found(root);
    }
    update_package_header(parent);
    if (overrides.is_deleted(parent)) {
      overrides.mark_deleted(parent);
      return;
    }
    overrides.set_known_choice(parent, where(root));
    if (parent.kind == InputDefault::Kind::Group && !parent.name()) return;
    if (check_not_missing(parent)) return;

    const std::string path = parent.config_path();
    const LoadedConfig* loaded = repo.load(path);
    if (!loaded) {
      if (parent.optional) {
        parent.deleted = true;
        return;
      }
      config_not_found(root);
    }
    const std::string& file = loaded->file;
    std::vector<InputDefault> defaults = loaded->defaults;
    try {
      if (!defaults.empty() || (is_root_config && !overrides.append_group_defaults.empty()))
        validate_self(parent, defaults);
      if (is_root_config)
        defaults.insert(defaults.end(), overrides.append_group_defaults.begin(), overrides.append_group_defaults.end());
      update_overrides(defaults, overrides, parent, interpolated_subtree, file);
    } catch (HydraError& e) {
      locate(e, "in defaults of " + file);
      throw;
    }

    std::vector<std::unique_ptr<DefaultsTreeNode>> children;  // built in reverse
    for (auto it = defaults.rbegin(); it != defaults.rend(); ++it) {
      InputDefault d = *it;
      if (d.is_self()) {
        d.update_parent(root.node.parent_base_dir.value_or(""), root.node.effective_package().value_or(""));
        auto leaf = std::make_unique<DefaultsTreeNode>();
        leaf->node = d;
        leaf->parent = &root;
        children.push_back(std::move(leaf));
        continue;
      }
      if (d.override_) continue;
      const std::string entry = entry_text(d);
      d.update_parent(parent.group_path(), parent.final_package());
      std::string where = d.external_append ? overrides.append_source(d) : in_defaults_of(file, entry);
      if (overrides.is_overridden(d)) {
        std::string source = overrides.override_source(d);
        if (!source.empty()) where = source + ", replacing entry '" + entry + "' in defaults of " + file;
        overrides.override_default_option(d);
      }
      if (d.is_options()) {
        for (auto o = d.options.rbegin(); o != d.options.rend(); ++o) {
          if (o->find("${") != std::string::npos)
            throw composition_error("In '" + path + "': Defaults List interpolation is not supported in options list items")
                .locate({"  " + where});
          auto node = std::make_unique<DefaultsTreeNode>();
          node->node = InputDefault::config_default(d.group + "/" + *o, d.package);
          node->node.optional = d.optional;
          node->node.update_parent(parent.group_path(), parent.final_package());
          add_child(root, children, std::move(node), interpolated_subtree, where);
        }
        continue;
      }
      auto node = std::make_unique<DefaultsTreeNode>();
      node->node = d;
      if (d.is_interpolation()) {  // deferred until every group choice is known
        node->parent = &root;
        where_[node.get()] = where;
        children.push_back(std::move(node));
        continue;
      }
      add_child(root, children, std::move(node), interpolated_subtree, where);
    }

    // Deferred interpolations resolve against every group choice known by now.
    for (auto& child : children) {
      if (!child->node.is_interpolation() || child->children) continue;
      InputDefault& dd = child->node;
      try {
        if (dd.kind == InputDefault::Kind::Group) {
          dd.value = resolve_defaults_interpolation(overrides.known_choices, *dd.value);
        } else {
          bool absolute = !dd.path.empty() && dd.path[0] == '/';
          std::string resolved =
              resolve_defaults_interpolation(overrides.known_choices, absolute ? dd.path.substr(1) : dd.path);
          dd.path = absolute ? "/" + resolved.substr(resolved.find_first_not_of('/')) : resolved;
        }
        dd.update_parent(parent.group_path(), parent.final_package());
        build(*child, false, true);
      } catch (HydraError& e) {
        locate(e, where(*child));
        throw;
      }
    }

    if (!children.empty()) {
      std::reverse(children.begin(), children.end());
      root.children = std::move(children);
    }
  }
};

// ---- flattening -------------------------------------------------------------------

void collect(const DefaultsTreeNode* tree, const InputDefault& node, std::vector<ResultDefault>& out) {
  if (node.deleted || node.is_missing()) return;
  if (!node.name()) return;
  ResultDefault r;
  if (node.is_self()) {
    r.config_path = tree->node.config_path();
    r.is_self = true;
    if (tree->parent) r.parent = tree->parent->is_virtual ? "<root>" : tree->parent->node.config_path();
    r.package = tree->node.final_package();
    r.primary = tree->node.primary;
  } else {
    r.config_path = node.config_path();
    if (tree) r.parent = tree->is_virtual ? "<root>" : tree->node.config_path();
    r.package = node.final_package();
    if (node.kind == InputDefault::Kind::Group) r.override_key = node.override_key();
    r.primary = node.primary;
  }
  if (r.config_path == "_dummy_empty_config_") return;
  out.push_back(std::move(r));
}

void dfs(const DefaultsTreeNode& tree, std::vector<ResultDefault>& out) {
  if (!tree.children || tree.children->empty()) {
    if (!tree.is_virtual) collect(tree.parent, tree.node, out);
    return;
  }
  for (const auto& child : *tree.children) {
    if (!child->children) collect(&tree, child->node, out);
    else dfs(*child, out);
  }
}

}  // namespace

DefaultsList create_defaults_list(ConfigRepository& repo, const std::optional<std::string>& config_name,
                                  const std::vector<Override>& override_list, bool prepend_hydra,
                                  bool skip_missing) {
  Overrides overrides(repo, override_list);
  InputDefault primary = InputDefault::config_default(config_name.value_or("_dummy_empty_config_"));
  primary.primary = true;

  auto root = std::make_unique<DefaultsTreeNode>();
  if (prepend_hydra) {
    root->is_virtual = true;
    root->children.emplace();
    auto hydra = std::make_unique<DefaultsTreeNode>();
    hydra->node = InputDefault::config_default("hydra/config");
    auto prim = std::make_unique<DefaultsTreeNode>();
    prim->node = primary;
    root->children->push_back(std::move(hydra));
    root->children->push_back(std::move(prim));
  } else {
    root->node = primary;
  }
  Builder builder{repo, overrides, skip_missing, {}};
  builder.build(*root, true, false);

  DefaultsList result;
  dfs(*root, result.defaults);
  std::set<std::string> seen;
  for (const auto& r : result.defaults) {
    if (r.is_self || !r.override_key) continue;
    if (!seen.insert(*r.override_key).second)
      throw composition_error(*r.override_key + " appears more than once in the final defaults list");
  }
  overrides.ensure_overrides_used();
  overrides.ensure_deletions_used();
  result.tree = std::move(root);
  result.config_overrides = overrides.config_overrides;
  result.known_choices = overrides.known_choices;
  return result;
}

std::string describe_tree_node(const DefaultsTreeNode& n) {
  if (n.is_virtual) return "<root>";
  if (n.node.kind == InputDefault::Kind::Group) {
    if (n.node.value_is_list) return n.node.override_key() + ": [" + [&] {
      std::string s;
      for (size_t i = 0; i < n.node.options.size(); ++i) s += (i ? ", " : "") + n.node.options[i];
      return s;
    }() + "]";
    return n.node.override_key() + ": " + n.node.name().value_or("null");
  }
  return n.node.config_path();
}

}  // namespace ragforge::config
