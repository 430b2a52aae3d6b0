// Writing a config tree as YAML, byte for byte as OmegaConf.to_yaml does
// (PyYAML's emitter with default_flow_style=False, allow_unicode=True,
// sort_keys=False, and OmegaConf's string representer, which single-quotes
// strings that would read back as another type).
#pragma once
#include <string>

#include "config/node.h"

namespace ragforge::config {

std::string to_yaml(const Node& n);

// How PyYAML writes a float: Python's repr, lower-cased, with `.0` added to
// exponent forms (`1.0e-05`), and `.inf`, `-.inf`, `.nan`.
std::string yaml_float_text(double v);

}  // namespace ragforge::config
