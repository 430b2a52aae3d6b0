// Internal to the app runner: one invocation's settings and the composition
// entry points the modes (run, multirun, --cfg, --info, --help) share.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/app/hydra_app.h"
#include "config/app/hydra_args.h"
#include "config/compose.h"
#include "config/resolvers.h"

namespace ragforge::config::app {

struct AppContext {
  HydraAppSpec spec;
  std::string prog;
  HydraArgs args;
  std::vector<ConfigSource> search_path;  // the app's entries (main, command-line)
  std::optional<std::string> config_name;
  int64_t start_time = 0;  // what ${now:...} reports, fixed for the whole run
  std::vector<std::string> raw_args;  // the app's command line, for a Slurm task to rerun

  // ConfigLoaderImpl.load_configuration.
  ComposeResult compose(const std::vector<std::string>& overrides, RunMode mode,
                        bool with_config_name = true) const;
  // ConfigLoaderImpl.compute_defaults_list (no merge, no value overrides).
  DefaultsList compute_defaults(const std::vector<std::string>& overrides, std::vector<Override>& parsed,
                                std::vector<ConfigSource>& sources) const;
};

// HydraConfig for a composed config: resolution options whose `${hydra:...}`
// reads cfg.hydra.
ResolveOptions resolve_options_for(const Node& cfg);

// --info [all|config|defaults|defaults-tree|plugins|searchpath]. Returns the
// messages Hydra logs, in order (each printed on its own line).
std::vector<std::string> info_messages(const AppContext& app, const std::string& what,
                                       const std::vector<std::string>& overrides);
// --help and --hydra-help text (without print()'s final newline).
std::string app_help_text(const AppContext& app, const std::vector<std::string>& overrides);
std::string hydra_help_text(const AppContext& app, const std::vector<std::string>& overrides);

// Python's string.Template(template).substitute(mapping).
std::string template_substitute(const std::string& tmpl, const std::vector<std::pair<std::string, std::string>>& mapping);

}  // namespace ragforge::config::app
