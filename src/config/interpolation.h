// OmegaConf 2.3 interpolation: `${a.b}`, `${.x}`, `${..x}`, `${a.${b}}`,
// "h=${x}", `\${x}`, and resolver calls `${oc.env:A,default}`.
//
// Resolution is lazy, as in OmegaConf: the tree keeps its `${...}` strings and
// these functions compute values on demand without modifying it.
//   - A whole-value `${x}` keeps the target's type; a container target is
//     copied (and resolved, relative to where it lives).
//   - Anything else containing an interpolation becomes a string, with
//     Python's str() of each value (`True`, `None`, `0.0001`).
//   - Errors carry OmegaConf's exception name and exact message, with the
//     "full_key:" / "object_type=" lines OmegaConf adds.
#pragma once
#include <string>

#include "config/interpolation_error.h"
#include "config/node.h"
#include "config/resolvers.h"

namespace ragforge::config {

// True when OmegaConf treats `s` as an interpolation: it contains "${"
// (escaped `\${` included: resolving it removes the escape).
bool is_interpolation_string(const std::string& s);

// Checks `s` against the grammar (OmegaConf does this when a value is set);
// throws GrammarParseError.
void validate_interpolation_syntax(const std::string& s);

// The resolved value at dotted `path` ("" for the root), like
// OmegaConf.to_container(OmegaConf.select(cfg, path), resolve=True).
// Throws InterpolationError (a missing path is a "ConfigKeyError").
Node resolve_value(const Node& root, const std::string& path, const ResolveOptions& options = {});

// A deep copy with every interpolation resolved, as
// OmegaConf.to_container(cfg, resolve=True) / to_yaml(cfg, resolve=True).
// `???` values stay `???`.
Node resolve_all(const Node& root, const ResolveOptions& options = {});

}  // namespace ragforge::config
