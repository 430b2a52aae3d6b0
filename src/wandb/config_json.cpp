#include "wandb/config_json.h"

#include "config/app/job_files.h"

#include <algorithm>
#include <array>

namespace ragforge::wandb {

using nlohmann::ordered_json;

ordered_json redact_secrets(const ordered_json& config) {
  if (config.is_array()) {
    ordered_json out = ordered_json::array();
    for (const auto& item : config) out.push_back(redact_secrets(item));
    return out;
  }
  if (!config.is_object()) return config;
  ordered_json out = ordered_json::object();
  for (auto it = config.begin(); it != config.end(); ++it)
    out[it.key()] = config::app::is_secret_key(it.key()) ? ordered_json("<redacted>") : redact_secrets(it.value());
  return out;
}

std::string wandb_config_string(const ordered_json& config) {
  ordered_json wrapped = ordered_json::object();
  if (config.is_object()) {
    const ordered_json clean = redact_secrets(config);
    for (auto it = clean.begin(); it != clean.end(); ++it) wrapped[it.key()] = {{"value", it.value()}};
  }
  return wrapped.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace ragforge::wandb
