// A config tree as JSON (OmegaConf.to_container on a resolved tree): for
// W&B's run config, adapter_config.json fields and other JSON consumers.
#pragma once
#include <nlohmann/json.hpp>

#include "config/node.h"

namespace ragforge::config {

// Dict keys become strings; non-finite floats become null (JSON has none).
nlohmann::ordered_json to_json(const Node& node);

}  // namespace ragforge::config
