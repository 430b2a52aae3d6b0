// Hydra's built-in configs as data: their YAML trees, flattened at build
// time so a process builds them without parsing.
//
// `hydra/config` and its groups are parsed by every compose, and parsing them
// was a third of `compose --cfg job`'s work. hydra_builtins_gen (a build
// step) loads each text of hydra_builtin_configs() with load_yaml_string and
// writes its tree as a table of PrecompiledNode; build_precompiled_tree()
// turns the table back into the same Node, origins included. The table is
// generated from the texts of the same build, so it cannot go stale;
// tests/unit/hydra_builtins_test.cpp checks the two trees are identical.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/node.h"

namespace ragforge::config {

// One node of a tree in pre-order; a container's children follow it.
struct PrecompiledNode {
  Node::Type type;
  Key::Type key_type;      // the key naming this node in its parent dict
  std::uint32_t children;  // containers: direct children
  std::uint32_t line;      // 1-based line of the origin "<file>:<line>"
  const char* key;         // nullptr at the root and in lists
  const char* text;        // strings; floats and ints keep their value below
  std::int64_t int_value;
  double float_value;
};

struct PrecompiledConfig {
  const char* config_path;  // "hydra/config"
  const char* file;         // "pkg://hydra.conf/hydra/config.yaml"
  const PrecompiledNode* nodes;
  std::size_t size;
};

// The generated table (precompiled_hydra_builtins.cpp in the build tree)
// registers itself from a static initializer in the executables that link
// it; the generator itself, which cannot, parses.
void register_precompiled_hydra_builtins(const PrecompiledConfig* configs, std::size_t count);
// nullptr where no table is linked or it lacks the config.
const PrecompiledConfig* find_precompiled_hydra_builtin(const std::string& config_path);

// The tree load_yaml_string(text, config.file) returns for the config's text.
Node build_precompiled_tree(const PrecompiledConfig& config);

}  // namespace ragforge::config
