// Hydra's own configuration (Hydra's `pkg://hydra.conf` search-path entry),
// embedded so ragforge configures Hydra with Hydra's own mechanism: the
// `hydra/config` primary plus its groups (output, launcher, sweeper, help,
// hydra_help, hydra_logging, job_logging, callbacks, env).
#pragma once
#include <map>
#include <string>

namespace ragforge::config {

// config path ("hydra/job_logging/disabled") -> YAML text with its package header.
const std::map<std::string, std::string>& hydra_builtin_configs();

// Where a built-in config reads as coming from: "pkg://hydra.conf/<path>.yaml".
inline std::string hydra_builtin_file(const std::string& config_path) {
  return "pkg://hydra.conf/" + config_path + ".yaml";
}

// Hydra's version as reported in hydra.runtime.version and --info.
inline constexpr const char* kHydraVersion = "1.3.2";

}  // namespace ragforge::config
