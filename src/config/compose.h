// Composition: Hydra 1.3's ConfigLoaderImpl.load_configuration in C++.
// Search path + primary config + overrides -> one config tree holding the
// job config and the `hydra` node, plus the defaults list that built it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/config_repository.h"
#include "config/defaults_list.h"
#include "config/node.h"
#include "config/override.h"

namespace ragforge::config {

enum class RunMode { Run, Multirun };

struct ComposeRequest {
  // The app's config folders, e.g. {"command-line", "file:///abs/configs"}.
  // Hydra's own `pkg://hydra.conf` is prepended and `structured://` appended.
  std::vector<ConfigSource> search_path;
  std::optional<std::string> config_name;
  std::vector<std::string> overrides;
  RunMode mode = RunMode::Run;
  bool from_shell = true;     // shapes the quoting hint in the "Ambiguous value" error
  std::string job_name = "app";
  std::string version_base = "1.3";
  std::string cwd;            // hydra.runtime.cwd; empty = the process's cwd
  // Keys an app adds to Hydra's node (a dict placed at `hydra`), where no
  // config sets them: ragforge's extensions of HydraConf, such as
  // `hydra.sweep.sort_by`, so that overriding them is not a struct error.
  // Empty (null) for Hydra's node exactly as Hydra has it.
  Node hydra_extension;
};

struct ComposeResult {
  Node cfg;  // job config plus the `hydra` node; root in struct mode
  std::vector<Override> overrides;  // parsed, command-line order
  DefaultsList defaults;            // refers into `overrides`
  std::vector<ConfigSource> sources;
};

ComposeResult compose(const ComposeRequest& request);

// Hydra's config search path: `pkg://hydra.conf`, the app's entries, the
// folders `hydra.searchpath` adds (from the primary config, or the command
// line, which wins), then `structured://`. Throws on a malformed searchpath.
std::vector<ConfigSource> config_search_path(const std::vector<ConfigSource>& app_entries,
                                             const std::optional<std::string>& config_name,
                                             const std::vector<Override>& overrides);

// hydra.job.override_dirname: task overrides sorted as strings and joined.
std::string override_dirname(const std::vector<std::string>& task_overrides,
                             const std::vector<std::string>& task_keys, const Node& hydra_job_config);

}  // namespace ragforge::config
