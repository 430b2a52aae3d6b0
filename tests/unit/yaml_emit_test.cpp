// to_yaml against PyYAML's output under OmegaConf's dumper settings: the
// quoting table, float forms, line folding at width 80, keys of every type,
// nesting and empty containers.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <string_view>

#include "config/yaml_emit.h"
#include "config/yaml_load.h"

namespace ragforge::config {
namespace {

struct StringCase {
  template <size_t N, size_t M>
  StringCase(const char (&v)[N], const char (&y)[M]) : value(v, N - 1), yaml(y, M - 1) {}  // keeps NULs
  std::string_view value, yaml;
};
struct FloatCase {
  template <size_t M>
  FloatCase(double v, const char (&y)[M]) : value(v), yaml(y, M - 1) {}
  double value;
  std::string_view yaml;
};

#include "yaml_emit_cases.inc"

Node single(Node v) {
  Node d = Node::dict();
  d.set("v", std::move(v));
  return d;
}

TEST(YamlEmit, StringsQuotedAndFoldedLikePyYaml) {
  for (const auto& c : kStringCases) {
    const Node n = single(Node::string(std::string(c.value)));
    EXPECT_EQ(to_yaml(n), c.yaml) << "value: " << c.value;
    // And what was written reads back as the same string, except that PyYAML
    // itself writes NEL (U+0085) as a raw line break, which reads back as a
    // space or newline.
    if (c.value.find("\xc2\x85") == std::string_view::npos) {
      EXPECT_TRUE(load_yaml_string(std::string(c.yaml), "t.yaml") == n) << c.yaml;
    }
  }
}

TEST(YamlEmit, FloatsInPyYamlForm) {
  for (const auto& c : kFloatCases) EXPECT_EQ(to_yaml(single(Node::floating(c.value))), c.yaml) << c.value;
  EXPECT_EQ(yaml_float_text(1e-5), "1.0e-05");
  EXPECT_EQ(yaml_float_text(1e16), "1.0e+16");
  EXPECT_EQ(yaml_float_text(0.0001), "0.0001");
  EXPECT_EQ(yaml_float_text(-INFINITY), "-.inf");
}

TEST(YamlEmit, OtherScalars) {
  EXPECT_EQ(to_yaml(single(Node::integer(-42))), "v: -42\n");
  EXPECT_EQ(to_yaml(single(Node::integer(INT64_MIN))), "v: -9223372036854775808\n");
  EXPECT_EQ(to_yaml(single(Node::boolean(true))), "v: true\n");
  EXPECT_EQ(to_yaml(single(Node::boolean(false))), "v: false\n");
  EXPECT_EQ(to_yaml(single(Node())), "v: null\n");
}

TEST(YamlEmit, KeysOfEveryType) {
  Node d = Node::dict();
  d.set(Key::of_int(1), Node::string("int key"));
  Key b("true");
  b.type = Key::Type::Bool;
  d.set(b, Node::string("bool key"));
  Key f("0.5");
  f.type = Key::Type::Float;
  d.set(f, Node::string("float key"));
  Key small("1e-05");
  small.type = Key::Type::Float;
  d.set(small, Node::integer(0));
  d.entries().push_back(DictEntry{Key("1"), Node::string("str key")});  // text clashes with the int key
  d.set("true ", Node::integer(1));
  d.set("yes", Node::integer(2));
  d.set("", Node::integer(3));
  d.set("multi\nline", Node::integer(4));
  d.set(std::string(130, 'k'), Node::integer(5));
  EXPECT_EQ(to_yaml(d),
            "1: int key\n"
            "true: bool key\n"
            "0.5: float key\n"
            "1.0e-05: 0\n"
            "'1': str key\n"
            "'true ': 1\n"
            "'yes': 2\n"
            "? ''\n: 3\n"
            "? 'multi\n\n  line'\n: 4\n"
            "? " + std::string(130, 'k') + "\n: 5\n");
}

TEST(YamlEmit, BlockStyleNesting) {
  Node root = load_yaml_string(
      "a:\n  b: [1, [2, 3], {c: d}]\n  e: {}\n  f: []\nl:\n- {}\n- []\n- - x\n  - z\n- k: v\n  m:\n    o: 1\n",
      "t.yaml");
  EXPECT_EQ(to_yaml(root),
            "a:\n"
            "  b:\n"
            "  - 1\n"
            "  - - 2\n"
            "    - 3\n"
            "  - c: d\n"
            "  e: {}\n"
            "  f: []\n"
            "l:\n"
            "- {}\n"
            "- []\n"
            "- - x\n"
            "  - z\n"
            "- k: v\n"
            "  m:\n"
            "    o: 1\n");
}

TEST(YamlEmit, Roots) {
  EXPECT_EQ(to_yaml(Node::dict()), "{}\n");
  EXPECT_EQ(to_yaml(Node::list()), "[]\n");
  Node l = Node::list();
  l.push_back(Node::string("a"));
  l.push_back(Node::dict());
  EXPECT_EQ(to_yaml(l), "- a\n- {}\n");
  // Plain scalars at the root end the document explicitly, as PyYAML does.
  EXPECT_EQ(to_yaml(Node::string("abc")), "abc\n...\n");
  EXPECT_EQ(to_yaml(Node::floating(1.5)), "1.5\n...\n");
  EXPECT_EQ(to_yaml(Node()), "null\n...\n");
  EXPECT_EQ(to_yaml(Node::string("")), "''\n");
  EXPECT_EQ(to_yaml(Node::string("a\nb")), "'a\n\n  b'\n");
}

TEST(YamlEmit, InvalidUtf8InStringsIsEscapedNotCrashed) {
  const std::string out = to_yaml(single(Node::string("a\xff" "b")));
  EXPECT_EQ(out, "v: \"a\\uDCFFb\"\n");
}

}  // namespace
}  // namespace ragforge::config
