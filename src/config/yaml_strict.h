// Where PyYAML's pure-Python scanner (the one Hydra uses) is stricter than
// libyaml, which does our parsing:
//  - it only ever skips spaces between tokens, so a tab anywhere but inside a
//    quoted scalar, a block scalar or a comment is "found character '\t'
//    that cannot start any token";
//  - in flow context a plain scalar ends at '?', so `[a?b]` is an error.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "config/yaml_errors.h"

namespace ragforge::config {

struct YamlRejection {
  YamlMark mark;                     // the problem's mark
  std::string context;               // may be empty
  std::optional<YamlMark> context_mark;
  std::string problem;
};

// The first thing PyYAML would reject that libyaml accepts, if any. `text`
// must be valid UTF-8. Nothing past a point libyaml cannot scan is checked.
std::optional<YamlRejection> find_pyyaml_rejection(std::string_view text);

}  // namespace ragforge::config
