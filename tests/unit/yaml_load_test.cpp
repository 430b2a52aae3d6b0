// OmegaConf's YAML typing rules (PyYAML 1.1 SafeLoader + OmegaConf's float
// rule), duplicate keys, anchors and merges, origins and header directives.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "config/yaml_emit.h"
#include "config/yaml_load.h"
#include "core/error.h"

namespace ragforge::config {
namespace {

Node value_of(const std::string& yaml_value) {
  Node root = load_yaml_string("v: " + yaml_value + "\n", "t.yaml");
  const Node* v = root.find("v");
  EXPECT_NE(v, nullptr);
  return v ? *v : Node();
}

void expect_float(const std::string& text, double want) {
  Node v = value_of(text);
  ASSERT_TRUE(v.is_float()) << text << " is " << v.type_name();
  if (std::isnan(want))
    EXPECT_TRUE(std::isnan(v.as_float())) << text;
  else
    EXPECT_EQ(v.as_float(), want) << text;
}
void expect_int(const std::string& text, int64_t want) {
  Node v = value_of(text);
  ASSERT_TRUE(v.is_int()) << text << " is " << v.type_name();
  EXPECT_EQ(v.as_int(), want) << text;
}
void expect_bool(const std::string& text, bool want) {
  Node v = value_of(text);
  ASSERT_TRUE(v.is_bool()) << text << " is " << v.type_name();
  EXPECT_EQ(v.as_bool(), want) << text;
}
void expect_string(const std::string& text, const std::string& want) {
  Node v = value_of(text);
  ASSERT_TRUE(v.is_string()) << text << " is " << v.type_name();
  EXPECT_EQ(v.as_string(), want) << text;
}
void expect_null(const std::string& text) {
  Node v = value_of(text);
  EXPECT_TRUE(v.is_null()) << text << " is " << v.type_name();
}
std::string error_of(const std::string& yaml, const std::string& source = "cfg.yaml") {
  try {
    load_yaml_string(yaml, source);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(YamlLoad, ExponentWithoutDotIsFloat) {  // OmegaConf's extra rule
  expect_float("1e-4", 1e-4);
  expect_float("1E-4", 1e-4);
  expect_float("1e+4", 1e4);
  expect_float("1e4", 1e4);
  expect_float("-2e3", -2000.0);
}

TEST(YamlLoad, DecimalFloats) {
  expect_float("1.0e-4", 1e-4);
  expect_float("1.", 1.0);
  expect_float(".5", 0.5);
  expect_float("3.14", 3.14);
  expect_float("-0.5", -0.5);
  expect_float("+1.5", 1.5);
  expect_float("1_000.5", 1000.5);
  expect_float("1:30.5", 90.5);  // sexagesimal float
  expect_string("-.5", "-.5");   // neither float rule allows a signed leading dot
}

TEST(YamlLoad, InfAndNanNeedTheDot) {
  expect_float(".inf", INFINITY);
  expect_float("-.Inf", -INFINITY);
  expect_float("+.INF", INFINITY);
  expect_float(".nan", NAN);
  expect_float(".NaN", NAN);
  expect_string("inf", "inf");
  expect_string("nan", "nan");
  expect_string(".Nan", ".Nan");
}

TEST(YamlLoad, Ints) {
  expect_int("42", 42);
  expect_int("-7", -7);
  expect_int("+7", 7);
  expect_int("0", 0);
  expect_int("1_000", 1000);
  expect_int("0x1F", 31);
  expect_int("017", 15);  // YAML 1.1 octal
  expect_int("0b101", 5);
  expect_int("1:30", 90);  // sexagesimal
  expect_int("-1:00:00", -3600);
  expect_int("9223372036854775807", INT64_MAX);
  expect_int("-9223372036854775808", INT64_MIN);
  expect_string("0o17", "0o17");
  expect_string("09", "09");
  expect_int("1_", 1);  // the int rule allows trailing underscores
}

TEST(YamlLoad, IntsBeyond64BitsAreExact) {
  // Values computed with Python: 2**63, -2**70, 0x1 followed by 16 zeros, 2**70*60+30.
  const std::pair<const char*, const char*> cases[] = {
      {"9223372036854775808", "9223372036854775808"},
      {"-1_180_591_620_717_411_303_424", "-1180591620717411303424"},
      {"0x10000000000000000", "18446744073709551616"},
      {"1180591620717411303424:30", "70835497243044678205470"},
  };
  for (const auto& [yaml, want] : cases) {
    Node n = load_yaml_string(std::string("v: ") + yaml + "\n", "cfg.yaml");
    ASSERT_TRUE(n.find("v")->is_int()) << yaml;
    EXPECT_FALSE(n.find("v")->int_fits_64()) << yaml;
    EXPECT_EQ(n.find("v")->int_text(), want) << yaml;
    EXPECT_EQ(to_yaml(n), std::string("v: ") + want + "\n");
    EXPECT_THROW(n.find("v")->as_int(), Error);  // no silent wrap-around for 64-bit readers
  }
  EXPECT_TRUE(load_yaml_string("v: -9223372036854775808\n", "cfg.yaml").find("v")->int_fits_64());
}

TEST(YamlLoad, Yaml11Bools) {
  for (const char* t : {"yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"}) expect_bool(t, true);
  for (const char* f : {"no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"}) expect_bool(f, false);
  expect_string("y", "y");
  expect_string("n", "n");
  expect_string("Y", "Y");
  expect_string("tRue", "tRue");
}

TEST(YamlLoad, Nulls) {
  expect_null("~");
  expect_null("null");
  expect_null("Null");
  expect_null("NULL");
  expect_null("");
  expect_string("None", "None");
  expect_string("nULL", "nULL");
}

TEST(YamlLoad, DatesStayStrings) {
  expect_string("2024-01-31", "2024-01-31");
  expect_string("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00");
}

TEST(YamlLoad, QuotedScalarsAreAlwaysStrings) {
  expect_string("'42'", "42");
  expect_string("\"true\"", "true");
  expect_string("'~'", "~");
  expect_string("\"1e-4\"", "1e-4");
  expect_string("''", "");
  expect_string("'it''s'", "it's");
  expect_string("\"a\\tb\\u00e9\"", "a\tb\xC3\xA9");
}

TEST(YamlLoad, OtherPlainStrings) {
  expect_string("a:b", "a:b");
  expect_string("http://x.y/z", "http://x.y/z");
  expect_string("${a.b}", "${a.b}");
  expect_string("???", "???");
  expect_string("hello world", "hello world");
}

TEST(YamlLoad, BlockScalars) {
  Node root = load_yaml_string("a: |\n  line1\n  line2\nb: >\n  x\n  y\nc: |-\n  z\n", "t.yaml");
  EXPECT_EQ(root.find("a")->as_string(), "line1\nline2\n");
  EXPECT_EQ(root.find("b")->as_string(), "x y\n");
  EXPECT_EQ(root.find("c")->as_string(), "z");
}

TEST(YamlLoad, ExplicitTags) {
  expect_string("!!str 1", "1");
  expect_int("!!int '12'", 12);
  expect_float("!!float 1", 1.0);
  expect_bool("!!bool 'yes'", true);
  expect_null("!!null ''");
  EXPECT_NE(error_of("v: !!binary aGk=\n").find("could not determine a constructor"), std::string::npos);
  EXPECT_NE(error_of("v: !custom x\n").find("could not determine a constructor"), std::string::npos);
}

TEST(YamlLoad, NonSpecificTagResolvesLikeUntagged) {
  expect_int("! 1", 1);  // PyYAML: `!` on a plain scalar keeps implicit typing
  expect_bool("! true", true);
  expect_string("!!str", "");
}

TEST(YamlLoad, Yaml11LineBreaks) {
  // NEL, LS and PS are line breaks in YAML 1.1: folded to a space in quotes.
  expect_string("\"a\xc2\x85" "b\"", "a b");
  EXPECT_NE(error_of("a\xe2\x80\xa8" "b: 1\n").find("mapping values are not allowed here"), std::string::npos);
}

TEST(YamlLoad, FlowCollections) {
  Node root = load_yaml_string("l: [1, two, 3.0, null, true]\nd: {a: 1, b: [x]}\n", "t.yaml");
  const Node& l = *root.find("l");
  ASSERT_EQ(l.size(), 5u);
  EXPECT_EQ(l.items()[0], Node::integer(1));
  EXPECT_EQ(l.items()[1], Node::string("two"));
  EXPECT_EQ(l.items()[2], Node::floating(3.0));
  EXPECT_TRUE(l.items()[3].is_null());
  EXPECT_EQ(l.items()[4], Node::boolean(true));
  EXPECT_EQ(root.at_path("d.b.0")->as_string(), "x");
}

TEST(YamlLoad, DuplicateKeyIsPyYamlConstructorError) {
  EXPECT_EQ(error_of("a: 1\na: 2\n", "dir/dup_key.yaml"),
            "while constructing a mapping\n  in \"dir/dup_key.yaml\", line 1, column 1\n"
            "found duplicate key a\n  in \"dir/dup_key.yaml\", line 2, column 1");
  // Quoted and plain spellings of one string collide too.
  EXPECT_NE(error_of("x:\n  a: 1\n  'a': 2\n").find("found duplicate key a"), std::string::npos);
}

TEST(YamlLoad, IntAndBoolKeysFollowPythonDictRules) {
  // OmegaConf only checks string keys for duplicates; Python's dict then
  // treats 1 and True as one key, keeping the first key and the last value.
  Node root = load_yaml_string("1: one\n2: two\ntrue: yes\n", "t.yaml");
  ASSERT_EQ(root.size(), 2u);
  EXPECT_EQ(root.entries()[0].key.type, Key::Type::Int);
  EXPECT_EQ(root.entries()[0].key.text, "1");
  EXPECT_EQ(root.entries()[0].value, Node::boolean(true));
  EXPECT_EQ(root.entries()[1].value, Node::string("two"));

  Node keys = load_yaml_string("false: a\n'1': b\n1.5: c\n", "t.yaml");
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys.entries()[0].key.type, Key::Type::Bool);
  EXPECT_EQ(keys.entries()[0].key.text, "false");
  EXPECT_EQ(keys.entries()[1].key.type, Key::Type::String);
  EXPECT_EQ(keys.entries()[2].key.type, Key::Type::Float);
  EXPECT_EQ(keys.entries()[2].key.text, "1.5");

  Node ints = load_yaml_string("1: a\n1: b\n", "t.yaml");  // not checked: last wins
  ASSERT_EQ(ints.size(), 1u);
  EXPECT_EQ(ints.entries()[0].value.as_string(), "b");
}

TEST(YamlLoad, NullAndContainerKeysAreErrors) {
  EXPECT_NE(error_of("~: 1\n").find("line 1"), std::string::npos);
  EXPECT_NE(error_of("[1, 2]: 1\n").find("found unhashable key"), std::string::npos);
}

TEST(YamlLoad, AnchorsAliasesAndMerges) {
  Node root = load_yaml_string(
      "base: &b {x: 1, y: 2}\n"
      "other: &o\n  z: 3\n"
      "d:\n  y: 5\n  <<: *b\n  w: 0\n"
      "e:\n  <<: [*b, *o]\n  x: 9\n"
      "l: [*b, *b]\n",
      "t.yaml");
  const Node& d = *root.find("d");
  ASSERT_EQ(d.size(), 3u);  // merged keys first, own keys win
  EXPECT_EQ(d.entries()[0].key.text, "x");
  EXPECT_EQ(d.entries()[1].key.text, "y");
  EXPECT_EQ(d.entries()[1].value.as_int(), 5);
  EXPECT_EQ(d.entries()[2].key.text, "w");
  const Node& e = *root.find("e");
  // A list merges the later mapping first, so earlier mappings win.
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e.entries()[0].key.text, "z");
  EXPECT_EQ(e.entries()[1].key.text, "x");
  EXPECT_EQ(e.entries()[1].value.as_int(), 9);
  EXPECT_EQ(e.entries()[2].key.text, "y");
  EXPECT_EQ(root.at_path("l.1.y")->as_int(), 2);
  EXPECT_NE(error_of("a: &a 1\nb:\n  <<: *a\n").find("expected a mapping or list of mappings for merging"),
            std::string::npos);
  EXPECT_NE(error_of("a: *nope\n").find("line 1"), std::string::npos);
  EXPECT_NE(error_of("a: &x 1\nb: &x 2\n").find("found duplicate anchor 'x'"), std::string::npos);
}

TEST(YamlLoad, OriginsNameFileAndLine) {
  Node root = load_yaml_string("a: 1\nb:\n  c: [x]\n", "conf/x.yaml");
  EXPECT_EQ(root.find("a")->origin, "conf/x.yaml:1");
  EXPECT_EQ(root.at_path("b.c")->origin, "conf/x.yaml:3");
  EXPECT_EQ(root.at_path("b.c.0")->origin, "conf/x.yaml:3");
}

TEST(YamlLoad, EmptyDocumentsAreEmptyDicts) {
  EXPECT_EQ(load_yaml_string("", "e.yaml"), Node::dict());
  EXPECT_EQ(load_yaml_string("# just a comment\n", "e.yaml"), Node::dict());
  EXPECT_EQ(load_yaml_string("---\n", "e.yaml"), Node::dict());
  EXPECT_EQ(load_yaml_string("null\n", "e.yaml"), Node::dict());
  Node list = load_yaml_string("- 1\n- 2\n", "l.yaml");
  ASSERT_TRUE(list.is_list());
  EXPECT_EQ(list.size(), 2u);
}

TEST(YamlLoad, SyntaxErrorsNameFileLineAndColumn) {
  const std::string msg = error_of("a: [1, 2\nb: 3\n", "bad_yaml.yaml");
  EXPECT_NE(msg.find("in \"bad_yaml.yaml\", line"), std::string::npos) << msg;
  EXPECT_NE(error_of("a: 1\n---\nb: 2\n").find("expected a single document"), std::string::npos);
}

TEST(YamlLoad, MissingFileIsAClearError) {
  try {
    load_yaml_file("/nonexistent/dir/config.yaml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/config.yaml"), std::string::npos);
  }
  EXPECT_THROW(load_yaml_file("/tmp"), Error);  // a directory
}

TEST(YamlHeader, ReadsLeadingDirectives) {
  using M = std::map<std::string, std::string>;
  EXPECT_EQ(read_header_directives("# @package _global_\na: 1\n"), (M{{"package", "_global_"}}));
  EXPECT_EQ(read_header_directives("\n\n#@package foo.bar\n# @x y\n"), (M{{"package", "foo.bar"}, {"x", "y"}}));
  EXPECT_EQ(read_header_directives("# plain comment\n# @package _global_\n"), M{});
  EXPECT_EQ(read_header_directives("a: 1\n# @package _global_\n"), M{});
  EXPECT_THROW(read_header_directives("# @package\n"), Error);
  EXPECT_THROW(read_header_directives("# @package a b\n"), Error);
}

}  // namespace
}  // namespace ragforge::config
