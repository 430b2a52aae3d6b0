// Where configs come from: Hydra's config search path. Each source is a
// folder of YAML files (`file://`), Hydra's own embedded configs
// (`pkg://hydra.conf`), or the empty structured-config schema source.
// Loaded configs are cached, as Hydra's CachingConfigRepository does.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/defaults_element.h"
#include "config/node.h"

namespace ragforge::config {

struct PrecompiledConfig;

struct ConfigSource {
  std::string provider;  // "hydra", "main", "command-line", "schema", ...
  std::string path;      // "pkg://hydra.conf", "file:///abs/dir", "structured://"

  std::string scheme() const;           // "pkg", "file", "structured"
  std::string path_without_scheme() const;
  // Hydra's repr: "provider=main, path=file:///abs/dir"
  std::string describe() const { return "provider=" + provider + ", path=" + path; }
};

struct LoadedConfig {
  std::string config_path;                    // "model/llama3_8b"
  std::string file;                           // where it was read from, for messages
  Node content;                               // without its `defaults` key
  std::optional<std::string> package_header;  // from `# @package`
  std::vector<InputDefault> defaults;         // parsed `defaults:` list
};

class ConfigRepository {
 public:
  explicit ConfigRepository(std::vector<ConfigSource> sources);

  // nullptr when no source has the config. Parse errors throw.
  const LoadedConfig* load(const std::string& config_path);
  bool config_exists(const std::string& config_path) const;
  bool group_exists(const std::string& group) const;
  // Config names in a group, sorted and unique across sources.
  std::vector<std::string> group_options(const std::string& group) const;
  // Sub-groups of a group ("" is the root), sorted.
  std::vector<std::string> subgroups(const std::string& group) const;
  const std::vector<ConfigSource>& sources() const { return sources_; }

 private:
  // One folder of a `file://` source, read once: every lookup asks the same
  // few folders many times (8 stats per group folder for `train --help`).
  struct Folder {
    bool exists = false;
    std::set<std::string> yaml_stems, subfolders;
  };
  const Folder& folder(const std::string& path) const;
  bool source_has_config(const ConfigSource& s, const std::string& config_path) const;
  bool source_has_group(const ConfigSource& s, const std::string& group) const;

  std::vector<ConfigSource> sources_;
  mutable std::map<std::string, Folder> folders_;
  static std::shared_ptr<const LoadedConfig> parsed_config(const std::string& config_path, const std::string& file,
                                                           const std::string& text, const PrecompiledConfig* tree);
  std::map<std::string, std::shared_ptr<const LoadedConfig>> cache_;
  std::map<std::string, bool> missing_;
};

// Parses a config's `defaults:` node into Hydra's default elements.
std::vector<InputDefault> parse_defaults_list(const std::string& config_path, const Node& defaults);

}  // namespace ragforge::config
