// Focused tests of the override parser beyond the recorded Hydra vectors:
// value_node() types, sweep expansion details, error messages, and hostile
// input that must fail cleanly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "config/override.h"

namespace ragforge::config {
namespace {

using Strings = std::vector<std::string>;

Node node_of(const std::string& s) { return parse_override(s).value_node(); }

TEST(OverrideValueNode, ScalarsKeepTheirTypes) {
  EXPECT_EQ(node_of("a=1").type(), Node::Type::Int);
  EXPECT_EQ(node_of("a=1").as_int(), 1);
  EXPECT_EQ(node_of("a=1_000").as_int(), 1000);
  EXPECT_EQ(node_of("a=-0.5").as_float(), -0.5);
  EXPECT_EQ(node_of("a=1e-4").as_float(), 1e-4);
  EXPECT_TRUE(std::isinf(node_of("a=-InF").as_float()));
  EXPECT_TRUE(std::isnan(node_of("a=NaN").as_float()));
  EXPECT_EQ(node_of("a=TRUE").as_bool(), true);
  EXPECT_TRUE(node_of("a=nUlL").is_null());
  EXPECT_EQ(node_of("a=abc").as_string(), "abc");
  EXPECT_EQ(node_of("a=").as_string(), "");
  EXPECT_EQ(node_of("a= a b ").as_string(), "a b");
}

TEST(OverrideValueNode, QuotedStringsBecomePlainStrings) {
  Node n = node_of("a='1'");
  EXPECT_EQ(n.type(), Node::Type::String);
  EXPECT_EQ(n.as_string(), "1");
  EXPECT_EQ(node_of("a=\"x, y\"").as_string(), "x, y");
  EXPECT_EQ(node_of(R"(a='it\'s')").as_string(), "it's");
}

TEST(OverrideValueNode, InterpolationsStayStrings) {
  Node n = node_of("a=${b.c}");
  EXPECT_EQ(n.as_string(), "${b.c}");
  EXPECT_TRUE(n.is_interpolation());
  EXPECT_EQ(node_of("a='${oc.env:X,1}'").as_string(), "${oc.env:X,1}");
}

TEST(OverrideValueNode, ContainersNest) {
  Node n = node_of("a={x: [1, 'b', {y: null}], 2: true, 1.5: c}");
  ASSERT_TRUE(n.is_dict());
  ASSERT_EQ(n.size(), 3u);
  const auto& es = n.entries();
  EXPECT_EQ(es[0].key.text, "x");
  EXPECT_EQ(es[0].key.type, Key::Type::String);
  EXPECT_EQ(es[1].key.text, "2");
  EXPECT_EQ(es[1].key.type, Key::Type::Int);
  EXPECT_EQ(es[2].key.text, "1.5");
  EXPECT_EQ(es[2].key.type, Key::Type::Float);
  const Node& list = es[0].value;
  ASSERT_TRUE(list.is_list());
  EXPECT_EQ(list.items()[0].as_int(), 1);
  EXPECT_EQ(list.items()[1].as_string(), "b");
  EXPECT_TRUE(list.items()[2].find("y")->is_null());
  EXPECT_TRUE(es[1].value.as_bool());
  EXPECT_EQ(n.origin, "override 'a={x: [1, 'b', {y: null}], 2: true, 1.5: c}'");
}

TEST(OverrideValueNode, FunctionsAreEvaluated) {
  EXPECT_EQ(node_of("a=int(3.9)").as_int(), 3);
  EXPECT_EQ(node_of("a=str(1.0)").as_string(), "1.0");
  EXPECT_EQ(node_of("a=float([1,2])").items()[1].as_float(), 2.0);
  EXPECT_EQ(node_of("a=sort([3,1,2],reverse=true)").items()[0].as_int(), 3);
}

TEST(OverrideValueNode, SweepsAndNullKeysAreRefused) {
  EXPECT_THROW(node_of("a=1,2"), Error);
  EXPECT_THROW(node_of("a=range(3)"), Error);
  EXPECT_THROW(node_of("a={null: 1}"), Error);
}

TEST(OverrideSweeps, RangesStepInDecimalLikeHydra) {
  EXPECT_EQ(parse_override("x=range(0,1,0.1)").sweep_strings(),
            (Strings{"0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7000000000000001", "0.8", "0.9"}));
  EXPECT_EQ(parse_override("x=range(0,1,0.25)").sweep_strings(), (Strings{"0.0", "0.25", "0.5", "0.75"}));
  EXPECT_EQ(parse_override("x=range(3,0,-1)").sweep_strings(), (Strings{"3", "2", "1"}));
  EXPECT_EQ(parse_override("x=range(1e-4,3e-4,1e-4)").sweep_strings(), (Strings{"0.0001", "0.0002"}));
  EXPECT_TRUE(parse_override("x=range(5,1)").sweep_strings().empty());
}

// Hydra #3219 / #3228: sort() of a range that does not land on stop.
TEST(OverrideSweeps, SortedRangesYieldTheOriginalValues) {
  EXPECT_EQ(parse_override("x=sort(range(0,5,2),reverse=true)").sweep_strings(), (Strings{"4", "2", "0"}));
  EXPECT_EQ(parse_override("x=sort(range(4,-1,-2))").sweep_strings(), (Strings{"0", "2", "4"}));
  EXPECT_EQ(parse_override("x=sort(range(7,0,-3))").sweep_strings(), (Strings{"1", "4", "7"}));
  EXPECT_EQ(parse_override("x=sort(range(1.3,0,-0.5))").sweep_strings(),
            (Strings{"0.30000000000000004", "0.8", "1.3"}));
  EXPECT_EQ(parse_override("x=sort(range(0,1,0.3),reverse=true)").sweep_strings(),
            (Strings{"0.8999999999999999", "0.6", "0.3", "0.0"}));
  EXPECT_EQ(parse_override("x=sort(sort(range(0,1,0.3),reverse=true))").sweep_strings(),
            (Strings{"0.0", "0.3", "0.6", "0.8999999999999999"}));
}

// Python's ints are unbounded, so range() with bounds past 64 bits counts
// exactly (2**70 = 1180591620717411303424; 2**63 - 1 = 9223372036854775807).
TEST(OverrideSweeps, RangeBoundsBeyond64BitsStayExact) {
  EXPECT_EQ(parse_override("x=range(1180591620717411303424,1180591620717411303427)").sweep_strings(),
            (Strings{"1180591620717411303424", "1180591620717411303425", "1180591620717411303426"}));
  // Across int64's largest value, in both directions.
  EXPECT_EQ(parse_override("x=range(9223372036854775806,9223372036854775809)").sweep_strings(),
            (Strings{"9223372036854775806", "9223372036854775807", "9223372036854775808"}));
  EXPECT_EQ(parse_override("x=range(-9223372036854775807,-9223372036854775810,-1)").sweep_strings(),
            (Strings{"-9223372036854775807", "-9223372036854775808", "-9223372036854775809"}));
  // A big step: range(0, 2**70, 2**69) is [0, 2**69]; range(2**70) alone is
  // far too long to sweep.
  EXPECT_EQ(parse_override("x=range(0,1180591620717411303424,590295810358705651712)").sweep_strings(),
            (Strings{"0", "590295810358705651712"}));
  EXPECT_THROW(parse_override("x=range(1180591620717411303424)").sweep_strings(), Error);
  // sort() flips a big range from its actual last value: range(2**70, 2**70 + 5, 2)
  // reversed is 2**70 + 4, 2**70 + 2, 2**70.
  EXPECT_EQ(parse_override("x=sort(range(1180591620717411303424,1180591620717411303429,2),reverse=true)")
                .sweep_strings(),
            (Strings{"1180591620717411303428", "1180591620717411303426", "1180591620717411303424"}));
  // The step may be the big one: range(10**20, 0, -(10**20 // 2)) = [10**20, 5 * 10**19].
  EXPECT_EQ(parse_override("x=range(100000000000000000000,0,-50000000000000000000)").sweep_strings(),
            (Strings{"100000000000000000000", "50000000000000000000"}));
}

TEST(OverrideSweeps, ChoicesRenderAsJobOverrides) {
  EXPECT_EQ(parse_override("x=1e-4,1e-5,'a,b',x y").sweep_strings(), (Strings{"0.0001", "1e-05", "'a,b'", "x\\ y"}));
  EXPECT_EQ(parse_override("x=choice([a, 'b c'], {k: 1})").sweep_strings(), (Strings{"[a,'b c']", "{k:1}"}));
  EXPECT_EQ(parse_override("x=tag(t1,choice(a,b))").value.tags, (Strings{"t1"}));
}

TEST(OverrideSweeps, GlobFiltersSortedOptions) {
  Override o = parse_override("db=glob(*,exclude=[sq*,x?])");
  EXPECT_EQ(o.sweep_strings({"postgres", "mysql", "sqlite", "xy", "xyz", "mysql"}),
            (Strings{"mysql", "postgres", "xyz"}));
  EXPECT_EQ(parse_override("db=glob('p[a-o]*')").sweep_strings({"pg", "postgres", "mysql", "oracle"}),
            (Strings{"pg", "postgres"}));
}

TEST(OverrideSweeps, ShuffleKeepsTheMultiset) {
  Strings got = parse_override("x=shuffle(range(10))").sweep_strings();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (Strings{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
}

TEST(OverrideSweeps, IntervalsAndElementsCannotBeEnumerated) {
  EXPECT_THROW(parse_override("x=interval(0,1)").sweep_strings(), Error);
  EXPECT_THROW(parse_override("x=1").sweep_strings(), Error);
  EXPECT_THROW(parse_override("x=range(0,1,0)").sweep_strings(), Error);
  EXPECT_THROW(parse_override("x=range(0,1000000000)").sweep_strings(), Error);  // too many values
}

TEST(OverrideRendering, ValueAsStrMatchesHydra) {
  EXPECT_EQ(parse_override("~x").value_as_str(), "null");
  EXPECT_EQ(parse_override("x='a\\\\'").value_as_str(), "'a\\\\'");
  EXPECT_EQ(parse_override("x={a: 'b', c: [1, 2.50]}").value_as_str(), "{a:'b',c:[1,2.5]}");
  EXPECT_EQ(parse_override("x=a\\,b c").value_as_str(), "a\\,b\\ c");
  EXPECT_THROW(parse_override("x=1,2").value_as_str(), Error);
}

TEST(OverrideKeys, PrefixesAndPackages) {
  Override o = parse_override("++db@backup.primary=mysql");
  EXPECT_EQ(o.type, OverrideType::ForceAdd);
  EXPECT_EQ(o.key_or_group, "db");
  EXPECT_EQ(*o.package, "backup.primary");
  EXPECT_EQ(o.key_element(), "++db@backup.primary");
  Override g = parse_override("db@=x");
  EXPECT_EQ(*g.package, "");
  Override d = parse_override("~hydra/launcher");
  EXPECT_FALSE(d.value_type.has_value());
  EXPECT_TRUE(d.is_hydra_override());
  EXPECT_EQ(parse_override("a.0.b=1").key_or_group, "a.0.b");
}

std::string error_of(const std::string& input) {
  try {
    parse_override(input);
  } catch (const OverrideParseError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(OverrideErrors, HydraTextFirstThenOneNote) {
  EXPECT_EQ(error_of("x=a#b"),
            "LexerNoViableAltException: x=a#b\n"
            "                              ^\n"
            "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details\n"
            "  in override 'x=a#b' at column 4: unexpected character '#' (not allowed in an unquoted value); "
            "quote the value: x='a#b'");
  EXPECT_NE(error_of("x=[1,2").find("\n  in override 'x=[1,2' at column 7: unexpected end of input; the list "
                                    "opened at column 3 needs a closing ']'"),
            std::string::npos);
  EXPECT_NE(error_of("x\t=1").find("\n  in override 'x\t=1' at column 2:"), std::string::npos);
  EXPECT_NE(error_of("x=\t#").find("\n  in override 'x=\t#' at column 4:"), std::string::npos);
  EXPECT_NE(error_of("x='é'#").find("at column 6:"), std::string::npos);  // columns count characters
  // Errors raised while evaluating are Hydra's own words: the note adds only where.
  EXPECT_EQ(error_of("x=int(a)"),
            "Error parsing override 'x=int(a)'\n"
            "ValueError while evaluating 'int(a)': invalid literal for int() with base 10: 'a'\n"
            "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details\n"
            "  in override 'x=int(a)' at column 3");
  EXPECT_NE(error_of("x=é").find("unexpected character 'é'"), std::string::npos);
  EXPECT_NE(error_of("x=${a.${b}}").find("nested interpolation"), std::string::npos);
  EXPECT_NE(error_of("x=${a").find("unterminated interpolation"), std::string::npos);
  EXPECT_NE(error_of("x=int(a)").find("ValueError while evaluating 'int(a)': invalid literal for int() with base "
                                      "10: 'a'"),
            std::string::npos);
  EXPECT_NE(error_of("x=range(1,2,3,4)").find("TypeError while evaluating 'range(1,2,3,4)': too many positional "
                                              "arguments"),
            std::string::npos);
  EXPECT_NE(error_of("x=sort(reverse=1)").find("mismatch type argument reverse: int is incompatible with bool"),
            std::string::npos);
  EXPECT_NE(error_of("x=choice(choice(a,b))").find("nesting choices is not supported"), std::string::npos);
}

TEST(OverrideKeys, DictKeysAreUniqueLikePython) {
  Override o = parse_override("x={1: a, b: c, true: d, 1.0: e}");
  ASSERT_EQ(o.value.entries.size(), 2u);
  EXPECT_EQ(o.value_as_str(), "{1:e,b:c}");
}

TEST(OverrideErrors, NothingFollowsAClosedValue) {
  EXPECT_NE(error_of("x='a' ").find("unexpected whitespace"), std::string::npos);
  EXPECT_NE(error_of("x=[1] ").find("unexpected whitespace"), std::string::npos);
  EXPECT_EQ(parse_override("x=a ").value_as_str(), "a");
}

TEST(OverrideErrors, SyntaxErrorsWinOverEvaluationErrors) {
  EXPECT_NE(error_of("x=int(a) ]").find("unexpected ']'"), std::string::npos);
}

void expect_rejected(const std::string& input) {
  try {
    parse_override(input);
    ADD_FAILURE() << "accepted hostile input of " << input.size() << " bytes";
  } catch (const OverrideParseError& e) {
    EXPECT_FALSE(e.reason().empty());
    EXPECT_LE(e.byte_offset(), input.size());
  }
}

TEST(OverrideHostileInput, FailsCleanly) {
  expect_rejected("x='unterminated");
  expect_rejected("x=\"unterminated \\\"");
  expect_rejected("x=${unterminated");
  expect_rejected("x=" + std::string(10000, '['));
  expect_rejected("x=" + std::string(10000, '{'));
  expect_rejected("x=" + std::string(5000, 'f') + std::string(5000, '('));
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "int(";
  expect_rejected("x=" + deep + "1" + std::string(3000, ')'));
  expect_rejected(std::string("x=a\0b", 5));
  expect_rejected(std::string("\0=1", 3));
  expect_rejected("x=\x01\x7f\xff");
  expect_rejected("\xff=1");
  expect_rejected("x=int(1e300)");
  expect_rejected("x=int(inf)");
  expect_rejected(std::string(100000, '$') + "{");
  expect_rejected("x=" + std::string(20000, '$') + "{" + std::string(20000, '$'));
  expect_rejected("");
  expect_rejected("x=a\nb");
}

TEST(OverrideHostileInput, LargeButValidInputsParse) {
  std::string list = "x=[";
  for (int i = 0; i < 20000; ++i) list += (i ? "," : "") + std::to_string(i);
  EXPECT_EQ(parse_override(list + "]").value.items.size(), 20000u);
  EXPECT_EQ(parse_override("x=" + std::string(200, '[') + std::string(200, ']')).value.items.size(), 1u);
  std::string dict = "x={", kwargs = "x=str(";
  for (int i = 0; i < 10000; ++i) {
    dict += (i ? ",k" : "k") + std::to_string(i % 5000) + ":" + std::to_string(i);
    kwargs += "a" + std::to_string(i) + "=1,";
  }
  EXPECT_EQ(parse_override(dict + "}").value.entries.size(), 5000u);
  expect_rejected(kwargs + "b=2)");
  EXPECT_EQ(parse_override("x=1e400").value.floating, HUGE_VAL);
  EXPECT_EQ(parse_override("x=" + std::string(1000, '1') + ".5").value.floating, HUGE_VAL);
  EXPECT_EQ(parse_override("x=" + std::string(1000, '0') + ".5").value.kind, ParsedValue::Kind::Str);
  EXPECT_EQ(parse_override("x='a\nb'").value.text, "a\nb");
}

}  // namespace
}  // namespace ragforge::config
