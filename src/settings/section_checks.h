// Small helpers the recipes' config parsers share.
#pragma once
#include <cstdint>
#include <string>

#include "config/config_view.h"

namespace ragforge::settings {

// root.<key>, or an empty section named `key` when the config has none (every key takes its default).
config::ConfigView optional_section(const config::ConfigView& root, const std::string& key);

// An Error naming `key` (and where it was set) when value < min.
void require_at_least(const config::ConfigView& v, const std::string& key, int64_t value, int64_t min);

}  // namespace ragforge::settings
