// PyYAML's implicit-resolver regular expressions (resolver.py, PyYAML 6.0)
// and OmegaConf 2.3's extra float rule, as hand-written full-match scanners.
//
// They decide every plain scalar's type, so they run for every config line;
// as regexes they cost a regex engine's compile on each start-up (a tenth of
// `compose --cfg job`). tests/unit/yaml11_patterns_test.cpp checks each one
// against the original regex on every string of up to 7 characters over the
// characters that matter. Python's `$` semantics are the caller's business
// (yaml_scalar.cpp): these match the whole string.
#pragma once
#include <string_view>

namespace ragforge::config::yaml11 {

// yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
bool is_bool(std::string_view s);
// [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
// | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
bool is_int(std::string_view s);
// [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
// | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
bool is_float(std::string_view s);
// OmegaConf: [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)? | [-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
// | \.[0-9_]+(?:[eE][-+][0-9]+)? | the sexagesimal, inf and nan forms above
bool is_omegaconf_float(std::string_view s);
// [0-9]{4}-[0-9]{2}-[0-9]{2}
// | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
//   (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?
bool is_timestamp(std::string_view s);

}  // namespace ragforge::config::yaml11
