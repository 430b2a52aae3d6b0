// The resolved config as W&B stores it: secrets redacted, each top-level key
// wrapped as {"value": ...}, the whole sent as one JSON string (UpsertBucket's
// `config` variable).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "config/node.h"

namespace ragforge::wandb {

// A copy with the value of every secret key (config::app::is_secret_key, the
// rule .hydra/config.resolved.yaml uses), at any depth, replaced by "<redacted>".
nlohmann::ordered_json redact_secrets(const nlohmann::ordered_json& config);
// {"<top key>": {"value": <v>}, ...} of the redacted config, dumped to a string.
std::string wandb_config_string(const nlohmann::ordered_json& config);

}  // namespace ragforge::wandb
