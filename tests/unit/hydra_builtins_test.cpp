// Hydra's built-in configs: the prebuilt trees (config/builtins/) must be
// exactly what parsing their texts gives, origins and key types included,
// since every compose uses them instead of parsing.
#include <gtest/gtest.h>

#include <string>

#include "config/builtins/precompiled_tree.h"
#include "config/hydra_conf.h"
#include "config/yaml_load.h"

namespace ragforge::config {
namespace {

// Empty when equal, else the first difference with its path.
std::string difference(const Node& a, const Node& b, const std::string& path) {
  if (a.type() != b.type()) return path + ": type " + a.type_name() + " vs " + b.type_name();
  if (a.origin != b.origin) return path + ": origin '" + a.origin + "' vs '" + b.origin + "'";
  if (a.struct_flag != b.struct_flag) return path + ": struct flag";
  if (a.is_scalar()) return a == b ? "" : path + ": value";
  if (a.size() != b.size()) return path + ": size " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string where = path + "/" + std::to_string(i);
    if (a.is_list()) {
      if (auto d = difference(a.items()[i], b.items()[i], where); !d.empty()) return d;
      continue;
    }
    const DictEntry& x = a.entries()[i];
    const DictEntry& y = b.entries()[i];
    if (!(x.key == y.key) || x.key.type != y.key.type)
      return where + ": key '" + x.key.text + "' vs '" + y.key.text + "'";
    if (auto d = difference(x.value, y.value, where + "(" + x.key.text + ")"); !d.empty()) return d;
  }
  return "";
}

TEST(HydraBuiltins, EveryPrebuiltTreeIsTheParsedTree) {
  ASSERT_FALSE(hydra_builtin_configs().empty());
  for (const auto& [path, text] : hydra_builtin_configs()) {
    SCOPED_TRACE(path);
    const PrecompiledConfig* tree = find_precompiled_hydra_builtin(path);
    ASSERT_NE(tree, nullptr) << "the generated table lacks it";
    EXPECT_EQ(std::string(tree->file), hydra_builtin_file(path));
    EXPECT_EQ(difference(build_precompiled_tree(*tree), load_yaml_string(text, hydra_builtin_file(path)), path), "");
  }
}

TEST(HydraBuiltins, ComparisonSeesDifferences) {
  // The check above must be able to fail: origins, key types and values count.
  const Node a = load_yaml_string("a: 1\nb: x\n", "f.yaml");
  Node moved = load_yaml_string("\na: 1\nb: x\n", "f.yaml");
  EXPECT_NE(difference(a, moved, ""), "");
  EXPECT_NE(difference(a, load_yaml_string("a: 1\n1: x\n", "f.yaml"), ""), "");
  EXPECT_NE(difference(a, load_yaml_string("a: 2\nb: x\n", "f.yaml"), ""), "");
  EXPECT_EQ(difference(a, load_yaml_string("a: 1\nb: x\n", "f.yaml"), ""), "");
}

TEST(HydraBuiltins, UnknownPathHasNoTree) { EXPECT_EQ(find_precompiled_hydra_builtin("hydra/nope"), nullptr); }

}  // namespace
}  // namespace ragforge::config
