// config/yaml11_patterns.h replaces PyYAML's resolver regexes with scanners;
// here each scanner must agree with the regex it replaces (RE2 full match,
// the patterns copied from resolver.py and OmegaConf 2.3) on every string up
// to 5 characters over the characters the patterns use, and on 400k random
// strings built from number and timestamp fragments.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>
#include <vector>

#include "config/yaml11_patterns.h"

namespace ragforge::config {
namespace {

struct Case {
  const char* name;
  bool (*scanner)(std::string_view);
  const char* regex;
};

const Case kCases[] = {
    {"bool", yaml11::is_bool, "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"},
    {"int", yaml11::is_int,
     R"([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)"},
    {"float", yaml11::is_float,
     R"([-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)"
     R"(|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"},
    {"omegaconf_float", yaml11::is_omegaconf_float,
     R"([-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+))"
     R"(|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)"
     R"(|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"},
    {"timestamp", yaml11::is_timestamp,
     R"([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9])"
     R"(|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?)"
     R"(:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)"},
};

// Reports the first few disagreements, so a failure names its strings.
void expect_agreement(const Case& c, const RE2& re, const std::string& s, int& failures) {
  const bool want = RE2::FullMatch(s, re);
  if (c.scanner(s) == want || ++failures > 5) return;
  ADD_FAILURE() << c.name << ": scanner says " << !want << ", regex says " << want << " for '" << s << "'";
}

TEST(Yaml11Patterns, AgreeWithTheRegexesOnEveryShortString) {
  const std::string alphabet = "0159_-+.:eEbxTZ ";
  for (const auto& c : kCases) {
    RE2 re(c.regex);
    ASSERT_TRUE(re.ok()) << c.name;
    int failures = 0;
    std::vector<std::string> layer{""};
    for (int len = 1; len <= 5; ++len) {
      std::vector<std::string> next;
      next.reserve(layer.size() * alphabet.size());
      for (const auto& prefix : layer)
        for (char ch : alphabet) {
          next.push_back(prefix + ch);
          expect_agreement(c, re, next.back(), failures);
        }
      layer = std::move(next);
    }
  }
}

TEST(Yaml11Patterns, AgreeWithTheRegexesOnNumberAndTimestampFragments) {
  const std::vector<std::string> fragments = {
      "2001", "12", "1", "14", "-", "-", ":", ":", ".", ".", "5", "0", "07", "_", "e", "E", "+", "T", "t",
      " ", "\t", "Z", "x", "b", "inf", "Inf", "INF", "nan", "NaN", "59", "60", "123", "0b", "0x", "fF",
      "yes", "On", "08", "9", "1_000", "2001-12-14", "21:59:43", "-05:00"};
  std::mt19937 rng(20261122);
  std::uniform_int_distribution<size_t> pick(0, fragments.size() - 1), count(1, 9);
  std::vector<std::string> samples;
  for (int i = 0; i < 400000; ++i) {
    std::string s;
    for (size_t n = count(rng); n > 0; --n) s += fragments[pick(rng)];
    samples.push_back(std::move(s));
  }
  for (const auto& c : kCases) {
    RE2 re(c.regex);
    int failures = 0;
    for (const auto& s : samples) expect_agreement(c, re, s, failures);
  }
}

TEST(Yaml11Patterns, TypicalScalars) {
  EXPECT_TRUE(yaml11::is_float("1.0"));
  EXPECT_FALSE(yaml11::is_float("1e-4"));  // YAML 1.1 has no bare exponent...
  EXPECT_TRUE(yaml11::is_omegaconf_float("1e-4"));  // ...OmegaConf adds it
  EXPECT_TRUE(yaml11::is_int("1_000"));
  EXPECT_TRUE(yaml11::is_int("190:20:30"));
  EXPECT_TRUE(yaml11::is_int("0b1010"));
  EXPECT_FALSE(yaml11::is_int("08"));
  EXPECT_TRUE(yaml11::is_timestamp("2001-12-14t21:59:43.10-05:00"));
  EXPECT_TRUE(yaml11::is_timestamp("2002-12-14"));
  EXPECT_FALSE(yaml11::is_timestamp("2002-1-14"));
  EXPECT_TRUE(yaml11::is_bool("Off"));
  EXPECT_FALSE(yaml11::is_bool("y"));
}

}  // namespace
}  // namespace ragforge::config
