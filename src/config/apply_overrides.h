// Applies command-line value overrides to the composed config the way Hydra
// 1.3 does (ConfigLoaderImpl._apply_overrides_to_config): struct mode on,
// `+` adds, `++` upserts, `~` deletes, plain `key=value` changes only what
// exists, and a dict value merges into an existing dict.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "config/node.h"
#include "config/override.h"

namespace ragforge::config {

struct ResolveOptions;

// `groups_under(g)`: the config groups inside group `g` ("" = the root), as
// full paths; asked only to suggest a name when an override names a key or
// group that does not exist ("Did you mean 'model'?").
using GroupLister = std::function<std::vector<std::string>(const std::string&)>;

void apply_overrides(const std::vector<const Override*>& overrides, Node& cfg, const ResolveOptions& resolve,
                     const GroupLister& groups_under = nullptr);

// OmegaConf.update(cfg, key, value, merge=True, force_add): exposed for the
// app runner, which sets hydra.* fields with it.
void update_config(Node& cfg, const std::string& key, const Node& value, bool force_add);

}  // namespace ragforge::config
