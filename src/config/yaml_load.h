// Loading YAML config files exactly as Hydra does (OmegaConf.load): PyYAML's
// SafeLoader with YAML 1.1 implicit typing, OmegaConf's extra float rule, no
// timestamps, and duplicate keys rejected.
#pragma once
#include <map>
#include <string>
#include <string_view>

#include "config/node.h"

namespace ragforge::config {

// Parses one YAML document into a Node. `source_name` names the text in
// errors and in Node::origin ("source_name:line"). An empty document (or a
// bare `null`) gives an empty dict, as OmegaConf.load does; any other root
// (dict, list or scalar) is returned as is. Throws ragforge::Error naming
// source_name, line and column on any bad input.
Node load_yaml_string(std::string_view text, const std::string& source_name);

// Reads and parses a file; a missing or unreadable file is a ragforge::Error.
Node load_yaml_file(const std::string& path);

// The leading `# @key value` lines of a config file (Hydra's header, e.g.
// `# @package _global_` gives {"package": "_global_"}). Blank lines are
// skipped; the first other line, a plain comment included, ends the header.
std::map<std::string, std::string> read_header_directives(std::string_view text);

}  // namespace ragforge::config
