// Applies command-line value overrides to the composed config the way Hydra
// 1.3 does (ConfigLoaderImpl._apply_overrides_to_config): struct mode on,
// `+` adds, `++` upserts, `~` deletes, plain `key=value` changes only what
// exists, and a dict value merges into an existing dict.
#pragma once
#include <vector>

#include "config/node.h"
#include "config/override.h"

namespace ragforge::config {

struct ResolveOptions;

void apply_overrides(const std::vector<const Override*>& overrides, Node& cfg, const ResolveOptions& resolve);

// OmegaConf.update(cfg, key, value, merge=True, force_add): exposed for the
// app runner, which sets hydra.* fields with it.
void update_config(Node& cfg, const std::string& key, const Node& value, bool force_add);

}  // namespace ragforge::config
