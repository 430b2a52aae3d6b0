#include "config/compose.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "config/apply_overrides.h"
#include "config/hydra_conf.h"
#include "config/hydra_errors.h"
#include "config/interpolation.h"
#include "config/merge.h"
#include "config/python_str.h"

namespace ragforge::config {
namespace {

// `into` gains every key of `extra` it lacks, recursively; what the configs
// set is kept, and new keys go last (after HydraConf's own fields).
void add_missing_keys(Node& into, const Node& extra) {
  for (const auto& e : extra.entries()) {
    Node* have = into.find(e.key.text);
    if (!have) into.set(e.key.text, e.value);
    else if (have->is_dict() && e.value.is_dict()) add_missing_keys(*have, e.value);
  }
}

std::string current_dir() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof(buf)) ? std::string(buf) : std::string(".");
}

void validate_sweeps(const std::vector<Override>& overrides, RunMode mode, bool from_shell) {
  for (const Override& x : overrides) {
    if (!x.is_sweep()) continue;
    if (mode == RunMode::Multirun) {
      if (x.is_hydra_override())
        throw composition_error("Sweeping over Hydra's configuration is not supported : '" + x.input + "'");
    } else if (x.value_type == OverrideValueType::SimpleChoiceSweep) {
      std::string example = from_shell ? "key=\\'value1,value2\\'" : "key='value1,value2'";
      throw composition_error("Ambiguous value for argument '" + x.input +
                              "'\n1. To use it as a list, use key=[value1,value2]\n2. To use it as string, quote "
                              "the value: " + example + "\n3. To sweep over it, add --multirun to your command line");
    } else {
      throw composition_error("Sweep parameters '" + x.input + "' requires --multirun");
    }
  }
}

// hydra.searchpath from the primary config or the command line adds folders.
void add_searchpath(ConfigRepository& probe, const std::optional<std::string>& config_name,
                    const std::vector<Override>& overrides, std::vector<ConfigSource>& sources) {
  Node primary = Node::dict();
  if (config_name)
    if (const LoadedConfig* loaded = probe.load(*config_name)) primary = loaded->content;
  if (!primary.is_dict())
    throw composition_error("primary config '" + config_name.value_or("None") + "' must be a DictConfig, got " +
                            (primary.is_list() ? "ListConfig" : primary.type_name()));
  const Node* searchpath = primary.at_path("hydra.searchpath");
  std::string provider = "hydra.searchpath in main";
  Node from_cli;
  for (const Override& o : overrides)
    if (o.key_element() == "hydra.searchpath") {
      from_cli = o.value_node();
      searchpath = &from_cli;
      provider = "hydra.searchpath in command-line";
      break;
    }
  if (!searchpath || searchpath->is_null()) return;
  auto bad_searchpath = [&] {
    HydraError e = composition_error("hydra.searchpath must be a list of strings. Got: " + python_str(*searchpath));
    if (searchpath != &from_cli && config_name)
      if (const LoadedConfig* loaded = probe.load(*config_name)) e.locate({"  in " + loaded->file});
    return e;
  };
  if (!searchpath->is_list()) throw bad_searchpath();
  ConfigSource schema = sources.back();
  sources.pop_back();
  for (const Node& p : searchpath->items()) {
    if (!p.is_string()) throw bad_searchpath();
    std::string path = p.as_string();
    if (path.find("://") == std::string::npos) path = "file://" + path;
    sources.push_back({provider, path});
  }
  sources.push_back(schema);
}

Node string_list(const std::vector<std::string>& items) {
  Node l = Node::list();
  for (const auto& s : items) l.push_back(Node::string(s));
  return l;
}

}  // namespace

std::string override_dirname(const std::vector<std::string>& task_overrides,
                             const std::vector<std::string>& task_keys, const Node& job_config) {
  const Node* od = job_config.at_path("override_dirname");
  std::string kv_sep = "=", item_sep = ",";
  std::vector<std::string> exclude;
  if (od) {
    if (const Node* n = od->find("kv_sep"); n && n->is_string()) kv_sep = n->as_string();
    if (const Node* n = od->find("item_sep"); n && n->is_string()) item_sep = n->as_string();
    if (const Node* n = od->find("exclude_keys"); n && n->is_list())
      for (const Node& k : n->items()) exclude.push_back(k.is_string() ? k.as_string() : python_str(k));
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < task_overrides.size(); ++i)
    if (std::find(exclude.begin(), exclude.end(), task_keys[i]) == exclude.end()) lines.push_back(task_overrides[i]);
  std::sort(lines.begin(), lines.end());
  std::string joined;
  for (size_t i = 0; i < lines.size(); ++i) joined += (i ? item_sep : "") + lines[i];
  std::string out;
  for (char c : joined) {
    if (c == '=') out += kv_sep;
    else out += c;
  }
  return out;
}

std::vector<ConfigSource> config_search_path(const std::vector<ConfigSource>& app_entries,
                                             const std::optional<std::string>& config_name,
                                             const std::vector<Override>& overrides) {
  std::vector<ConfigSource> sources;
  sources.push_back({"hydra", "pkg://hydra.conf"});
  sources.insert(sources.end(), app_entries.begin(), app_entries.end());
  sources.push_back({"schema", "structured://"});
  ConfigRepository probe(sources);
  add_searchpath(probe, config_name, overrides, sources);
  return sources;
}

ComposeResult compose(const ComposeRequest& req) {
  ComposeResult result;
  for (const auto& s : req.overrides) result.overrides.push_back(parse_override(s));

  std::vector<ConfigSource> sources = config_search_path(req.search_path, req.config_name, result.overrides);
  ConfigRepository repo(sources);
  validate_sweeps(result.overrides, req.mode, req.from_shell);

  result.defaults = create_defaults_list(repo, req.config_name, result.overrides, true,
                                         req.mode == RunMode::Multirun);

  Node cfg = Node::dict();
  for (const ResultDefault& d : result.defaults.defaults) {
    const LoadedConfig* loaded = repo.load(d.config_path);
    if (!loaded) throw composition_error("Could not load '" + d.config_path + "'");
    try {
      if (!loaded->content.is_dict())
        throw HydraError("ValueError", "Config " + d.config_path + " must be an OmegaConf config, got " +
                                           loaded->content.type_name());
      if (!d.primary && d.config_path != "hydra/config" && loaded->content.at_path("hydra.searchpath"))
        throw composition_error("In '" + d.config_path +
                                "': Overriding hydra.searchpath is only supported from the primary config");
      merge_into(cfg, embed_at_package(loaded->content, d.package));
    } catch (HydraError& e) {
      e.locate({"  in " + loaded->file + (d.package.empty() ? "" : " (package '" + d.package + "')")});
      throw;
    }
  }
  if (req.hydra_extension.is_dict()) add_missing_keys(*cfg.find("hydra"), req.hydra_extension);
  cfg.struct_flag = true;

  ResolveOptions resolve;
  // Only asked when an override names a missing key or group ("Did you mean").
  auto groups_under = [&repo](const std::string& group) {
    std::vector<std::string> groups;
    for (const auto& g : repo.subgroups(group)) groups.push_back(group.empty() ? g : group + "/" + g);
    return groups;
  };
  apply_overrides(result.defaults.config_overrides, cfg, resolve, groups_under);

  std::vector<std::string> hydra_lines, task_lines, task_keys;
  for (const Override& o : result.overrides) {
    if (o.is_hydra_override()) {
      hydra_lines.push_back(o.input);
    } else {
      task_lines.push_back(o.input);
      task_keys.push_back(o.key_or_group);
    }
  }
  Node& hydra = *cfg.find("hydra");
  hydra.at_path("overrides")->set("hydra", string_list(hydra_lines));
  hydra.at_path("overrides")->set("task", string_list(task_lines));

  Node& choices = *hydra.at_path("runtime.choices");
  for (const auto& [key, value] : result.defaults.known_choices)
    choices.set(key, value ? Node::string(*value) : Node());
  Node* job = hydra.find("job");
  if (const Node* env_copy = job->find("env_copy"); env_copy && env_copy->is_list())
    for (const Node& k : env_copy->items()) {
      const char* v = k.is_string() ? std::getenv(k.as_string().c_str()) : nullptr;
      if (v) job->at_path("env_set")->set(k.as_string(), Node::string(v));
    }

  Node& runtime = *hydra.find("runtime");
  runtime.set("version", Node::string(kHydraVersion));
  runtime.set("version_base", Node::string(req.version_base));
  runtime.set("cwd", Node::string(req.cwd.empty() ? current_dir() : req.cwd));
  Node config_sources = Node::list();
  for (const auto& s : sources) {
    Node src = Node::dict();
    src.set("path", Node::string(s.path_without_scheme()));
    src.set("schema", Node::string(s.scheme()));
    src.set("provider", Node::string(s.provider));
    config_sources.push_back(src);
  }
  runtime.set("config_sources", config_sources);

  if (const Node* name = job->find("name"); !name || name->is_missing()) job->set("name", Node::string(req.job_name));
  job->set("override_dirname", Node::string(override_dirname(task_lines, task_keys, *job->find("config"))));
  job->set("config_name", req.config_name ? Node::string(*req.config_name) : Node());

  result.cfg = std::move(cfg);
  result.sources = std::move(sources);
  return result;
}

}  // namespace ragforge::config
