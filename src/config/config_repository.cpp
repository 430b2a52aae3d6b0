#include "config/config_repository.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "config/builtins/precompiled_tree.h"
#include "config/hydra_conf.h"
#include "config/python_str.h"
#include "config/yaml_load.h"
#include "core/error.h"

namespace fs = std::filesystem;

namespace ragforge::config {

std::string ConfigSource::scheme() const {
  auto idx = path.find("://");
  return idx == std::string::npos ? "file" : path.substr(0, idx);
}

std::string ConfigSource::path_without_scheme() const {
  auto idx = path.find("://");
  return idx == std::string::npos ? path : path.substr(idx + 3);
}

namespace {

bool is_builtin(const ConfigSource& s) { return s.scheme() == "pkg" && s.path_without_scheme() == "hydra.conf"; }

// Hydra lets `-cn train.yaml` name the same config as `-cn train`.
std::string strip_yaml(const std::string& p) {
  if (p.size() > 5 && p.compare(p.size() - 5, 5, ".yaml") == 0) return p.substr(0, p.size() - 5);
  return p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read config file '" + p.string() + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

ConfigRepository::ConfigRepository(std::vector<ConfigSource> sources) : sources_(std::move(sources)) {}

// readdir's d_type answers for most entries without a stat; links and file
// systems without d_type are stat'ed, following links as Hydra does.
const ConfigRepository::Folder& ConfigRepository::folder(const std::string& path) const {
  auto [it, inserted] = folders_.try_emplace(path);
  if (!inserted) return it->second;
  Folder& f = it->second;
  DIR* dir = opendir(path.c_str());
  if (!dir) return f;
  f.exists = true;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN || type == DT_LNK) {
      struct stat st;
      const std::string full = path + "/" + entry->d_name;
      type = stat(full.c_str(), &st) != 0 ? DT_UNKNOWN
             : S_ISDIR(st.st_mode)         ? DT_DIR
             : S_ISREG(st.st_mode)         ? DT_REG
                                           : DT_UNKNOWN;
    }
    constexpr std::string_view kYaml = ".yaml";
    if (type == DT_DIR) {
      f.subfolders.emplace(name);
    } else if (type == DT_REG && name.size() > kYaml.size() && name.substr(name.size() - kYaml.size()) == kYaml) {
      f.yaml_stems.emplace(name.substr(0, name.size() - kYaml.size()));
    }
  }
  closedir(dir);
  return f;
}

namespace {
// "a/b/c" -> {"a/b", "c"}; "c" -> {"", "c"}.
std::pair<std::string, std::string> split_last(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}
std::string join(const std::string& root, const std::string& rel) { return rel.empty() ? root : root + "/" + rel; }
}  // namespace

bool ConfigRepository::source_has_config(const ConfigSource& s, const std::string& config_path) const {
  if (is_builtin(s)) return hydra_builtin_configs().count(config_path) > 0;
  if (s.scheme() != "file") return false;
  const auto [dir, name] = split_last(config_path);
  return folder(join(s.path_without_scheme(), dir)).yaml_stems.count(name) > 0;
}

bool ConfigRepository::source_has_group(const ConfigSource& s, const std::string& group) const {
  if (is_builtin(s)) {
    if (group == "hydra/callbacks") return true;  // exists, with no options
    const std::string prefix = group + "/";
    for (const auto& [path, text] : hydra_builtin_configs())
      if (path.rfind(prefix, 0) == 0) return true;
    return false;
  }
  if (s.scheme() != "file") return false;
  if (group.empty()) return folder(s.path_without_scheme()).exists;
  const auto [parent, name] = split_last(group);
  return folder(join(s.path_without_scheme(), parent)).subfolders.count(name) > 0;
}

bool ConfigRepository::config_exists(const std::string& config_path) const {
  std::string p = strip_yaml(config_path);
  for (const auto& s : sources_)
    if (source_has_config(s, p)) return true;
  return false;
}

bool ConfigRepository::group_exists(const std::string& group) const {
  for (const auto& s : sources_)
    if (source_has_group(s, group)) return true;
  return false;
}

std::vector<std::string> ConfigRepository::group_options(const std::string& group) const {
  std::set<std::string> names;
  for (const auto& s : sources_) {
    if (!source_has_group(s, group)) continue;
    if (is_builtin(s)) {
      const std::string prefix = group + "/";
      for (const auto& [path, text] : hydra_builtin_configs())
        if (path.rfind(prefix, 0) == 0 && path.find('/', prefix.size()) == std::string::npos)
          names.insert(path.substr(prefix.size()));
      continue;
    }
    const auto& stems = folder(join(s.path_without_scheme(), group)).yaml_stems;
    names.insert(stems.begin(), stems.end());
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> ConfigRepository::subgroups(const std::string& group) const {
  std::set<std::string> names;
  for (const auto& s : sources_) {
    if (is_builtin(s)) {
      const std::string prefix = group.empty() ? "" : group + "/";
      for (const auto& [path, text] : hydra_builtin_configs()) {
        if (path.rfind(prefix, 0) != 0) continue;
        auto slash = path.find('/', prefix.size());
        if (slash != std::string::npos) names.insert(path.substr(prefix.size(), slash - prefix.size()));
      }
      if (group == "hydra") names.insert("callbacks");
      continue;
    }
    if (s.scheme() != "file") continue;
    const auto& sub = folder(join(s.path_without_scheme(), group)).subfolders;
    names.insert(sub.begin(), sub.end());
  }
  return {names.begin(), names.end()};
}

namespace {

// `tree`, where given, is the text's YAML tree, built at compile time.
std::shared_ptr<const LoadedConfig> parse_config(const std::string& config_path, const std::string& file,
                                                 const std::string& text, const PrecompiledConfig* tree) {
  auto loaded = std::make_shared<LoadedConfig>();
  loaded->config_path = config_path;
  loaded->file = file;
  auto header = read_header_directives(text);
  if (auto it = header.find("package"); it != header.end()) loaded->package_header = it->second;
  loaded->content = tree ? build_precompiled_tree(*tree) : load_yaml_string(text, loaded->file);
  if (loaded->content.is_null()) loaded->content = Node::dict();
  if (loaded->content.is_dict()) {
    if (const Node* defaults = loaded->content.find("defaults")) {
      Node d = *defaults;
      loaded->content.erase("defaults");
      if (!d.is_list())
        throw Error("Invalid defaults list in '" + config_path + "', defaults must be a list (got " +
                    (d.is_dict() ? std::string("mapping") : std::string(d.type_name())) + ")");
      loaded->defaults = parse_defaults_list(config_path, d);
    }
  }
  return loaded;
}

}  // namespace

// A process composes the same files several times (Hydra's mode probe, the
// search-path probe, each sweep job), and parsing is most of a compose's
// work. A parse is a pure function of (config path, file, text), so it is
// shared while the file's text is unchanged.
std::shared_ptr<const LoadedConfig> ConfigRepository::parsed_config(const std::string& config_path,
                                                                    const std::string& file, const std::string& text,
                                                                    const PrecompiledConfig* tree) {
  struct Entry {
    std::string text;
    std::shared_ptr<const LoadedConfig> parsed;
  };
  static std::mutex mutex;
  static std::map<std::string, Entry> parsed;
  const std::string key = file + '\n' + config_path;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = parsed.find(key); it != parsed.end() && it->second.text == text) return it->second.parsed;
  }
  auto result = parse_config(config_path, file, text, tree);  // throws on bad YAML: nothing is kept
  std::lock_guard<std::mutex> lock(mutex);
  parsed[key] = Entry{text, result};
  return result;
}

const LoadedConfig* ConfigRepository::load(const std::string& config_path_in) {
  const std::string config_path = strip_yaml(config_path_in);
  if (auto it = cache_.find(config_path); it != cache_.end()) return it->second.get();
  if (missing_.count(config_path)) return nullptr;

  for (const auto& s : sources_) {
    if (!source_has_config(s, config_path)) continue;
    std::string file, text;
    const PrecompiledConfig* tree = nullptr;
    if (is_builtin(s)) {
      file = hydra_builtin_file(config_path);
      text = hydra_builtin_configs().at(config_path);
      tree = find_precompiled_hydra_builtin(config_path);
    } else {
      file = (fs::path(s.path_without_scheme()) / (config_path + ".yaml")).string();
      text = read_file(file);
    }
    std::shared_ptr<const LoadedConfig> loaded = parsed_config(config_path, file, text, tree);
    const LoadedConfig* result = loaded.get();
    cache_[config_path] = std::move(loaded);
    return result;
  }
  missing_[config_path] = true;
  return nullptr;
}

namespace {
// "override db@pkg" -> keywords {override}, group "db", package "pkg".
void split_group_key(const std::string& key, std::string& group, std::optional<std::string>& package) {
  auto at = key.find('@');
  group = at == std::string::npos ? key : key.substr(0, at);
  if (at != std::string::npos) {
    std::string pkg = key.substr(at + 1);
    auto colon = pkg.find(':');  // legacy `@src:dest` renames: keep the source package
    package = colon == std::string::npos ? pkg : pkg.substr(0, colon);
  }
}
}  // namespace

std::vector<InputDefault> parse_defaults_list(const std::string& config_path, const Node& defaults) {
  std::vector<InputDefault> out;
  for (const Node& item : defaults.items()) {
    if (item.is_string()) {
      std::string path;
      std::optional<std::string> package;
      split_group_key(item.as_string(), path, package);
      out.push_back(InputDefault::config_default(path, package));
      continue;
    }
    if (!item.is_dict()) {
      const char* t = item.is_list() ? "ListConfig" : item.is_int() ? "int" : item.is_float() ? "float"
                      : item.is_bool() ? "bool" : "NoneType";
      throw Error(std::string("Unsupported type in defaults : ") + t);
    }
    Node entry = item;
    std::optional<bool> old_optional;
    if (entry.size() > 1 && entry.contains("optional")) {
      const Node* o = entry.find("optional");
      old_optional = o->is_bool() && o->as_bool();
      entry.erase("optional");
    }
    if (entry.size() > 1) throw Error("In " + config_path + ": Too many keys in default item " + python_str(item));
    if (entry.size() == 0) throw Error("In " + config_path + ": Missing group name in " + python_str(item));
    const DictEntry& kv = entry.entries()[0];
    std::string group_with_keywords;
    std::optional<std::string> package;
    split_group_key(kv.key.text, group_with_keywords, package);

    // Leading `optional` / `override` keywords, space separated.
    bool optional = false, override_ = false;
    std::vector<std::string> words;
    std::istringstream ws(group_with_keywords);
    for (std::string w; ws >> w;) words.push_back(w);
    std::string group = words.empty() ? "" : words.back();
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "optional") optional = true;
      else if (words[i] == "override") override_ = true;
      else break;
    }
    if (!optional && old_optional) optional = *old_optional;
    if (group.empty()) throw Error("In " + config_path + ": Missing group name in " + python_str(item));

    const Node& v = kv.value;
    InputDefault d;
    if (v.is_null()) {
      d = InputDefault::group_default(group, std::nullopt, package);
    } else if (v.is_string()) {
      d = InputDefault::group_default(group, v.as_string(), package);
    } else if (v.is_list()) {
      d = InputDefault::group_default(group, std::nullopt, package);
      d.value_is_list = true;
      for (const Node& o : v.items()) {
        if (!o.is_string())
          throw Error(std::string("Unsupported item value in defaults : ") + o.type_name() +
                      ", nested list items must be strings");
        d.options.push_back(o.as_string());
      }
    } else {
      throw Error(std::string("Unsupported item value in defaults : ") + v.type_name() +
                  ". Supported: string or list");
    }
    d.optional = optional;
    d.override_ = override_;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace ragforge::config
