// Every override recorded from Hydra 1.3.2 (tests/data/hydra/override_vectors.jsonl)
// parses, types, renders and expands as Hydra did, or is rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/override.h"
#include "config/python_repr.h"
#include "support/subprocess.h"

namespace ragforge::config {
namespace {

using json = nlohmann::json;
using Kind = ParsedValue::Kind;

struct Vector {
  std::string id;
  std::string input;
  json expected;
};

std::vector<Vector> load_file(const std::string& path, std::vector<Vector>& out) {
  std::ifstream f(testing::source_dir() + path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    json j = json::parse(line);
    out.push_back(Vector{j.at("id").get<std::string>(), j.at("input").get<std::string>(), j.at("expected")});
  }
  return out;
}

// The recorded corpus, then ragforge's own hand-derived cases (same format).
std::vector<Vector> load_vectors() {
  std::vector<Vector> out;
  load_file("/tests/data/hydra/override_vectors.jsonl", out);
  load_file("/tests/data/hydra_ragforge/override_vectors.jsonl", out);
  return out;
}

// The corpus's typed-value encoding.
json to_json(const ParsedValue& v) {
  auto tags = [&] { return json(v.tags); };
  switch (v.kind) {
    case Kind::Null: return {{"t", "null"}};
    case Kind::Bool: return {{"t", "bool"}, {"v", v.boolean}};
    // An int beyond 64 bits reads as the JSON number it is written as.
    case Kind::Int: return {{"t", "int"}, {"v", v.big_integer.empty() ? json(v.integer) : json::parse(v.big_integer)}};
    case Kind::Float: return {{"t", "float"}, {"v", python_float_repr(v.floating)}};
    case Kind::Str: return {{"t", "str"}, {"v", v.text}};
    case Kind::QuotedStr:
      return {{"t", "quoted_str"}, {"v", v.text}, {"quote", v.quote == '\'' ? "single" : "double"}};
    case Kind::List: {
      json items = json::array();
      for (const auto& x : v.items) items.push_back(to_json(x));
      return {{"t", "list"}, {"v", items}};
    }
    case Kind::Dict: {
      json entries = json::array();
      for (const auto& e : v.entries) entries.push_back(json::array({to_json(e.key), to_json(e.value)}));
      return {{"t", "dict"}, {"v", entries}};
    }
    case Kind::ChoiceSweep: {
      json items = json::array();
      for (const auto& x : v.items) items.push_back(to_json(x));
      return {{"t", "choice_sweep"}, {"list", items}, {"tags", tags()},
              {"simple_form", v.simple_form}, {"shuffle", v.shuffle}};
    }
    case Kind::RangeSweep:
      return {{"t", "range_sweep"}, {"start", to_json(v.bounds[0])}, {"stop", to_json(v.bounds[1])},
              {"step", to_json(v.bounds[2])}, {"tags", tags()}, {"shuffle", v.shuffle}};
    case Kind::IntervalSweep:
      return {{"t", "interval_sweep"}, {"start", to_json(v.bounds[0])}, {"end", to_json(v.bounds[1])},
              {"tags", tags()}};
    case Kind::Glob: return {{"t", "glob"}, {"include", v.include}, {"exclude", v.exclude}};
  }
  return {};
}

// A shuffled list is recorded as its multiset.
void expect_value(const json& expected, const ParsedValue& actual, const char* what) {
  if (expected.contains("multiset")) {
    ASSERT_EQ(actual.kind, Kind::List) << what;
    std::vector<std::string> want, got;
    for (const auto& x : expected["multiset"]) want.push_back(x.dump());
    for (const auto& x : actual.items) got.push_back(to_json(x).dump());
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want) << what;
    return;
  }
  EXPECT_EQ(to_json(actual), expected) << what;
}

const char* type_name(OverrideType t) {
  switch (t) {
    case OverrideType::Change: return "CHANGE";
    case OverrideType::Add: return "ADD";
    case OverrideType::ForceAdd: return "FORCE_ADD";
    case OverrideType::Del: return "DEL";
  }
  return "?";
}

json value_type_name(const std::optional<OverrideValueType>& t) {
  if (!t) return nullptr;
  switch (*t) {
    case OverrideValueType::Element: return "ELEMENT";
    case OverrideValueType::SimpleChoiceSweep: return "SIMPLE_CHOICE_SWEEP";
    case OverrideValueType::ChoiceSweep: return "CHOICE_SWEEP";
    case OverrideValueType::RangeSweep: return "RANGE_SWEEP";
    case OverrideValueType::IntervalSweep: return "INTERVAL_SWEEP";
    case OverrideValueType::GlobChoiceSweep: return "GLOB_CHOICE_SWEEP";
  }
  return "?";
}

class OverrideVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(OverrideVectors, MatchesHydra) {
  const Vector& v = GetParam();
  const json& e = v.expected;
  if (!e.at("ok").get<bool>()) {
    try {
      Override o = parse_override(v.input);
      ADD_FAILURE() << "accepted an override Hydra rejects: " << v.input;
    } catch (const OverrideParseError& err) {
      std::string msg = err.what();
      // Hydra's own text comes first, byte for byte; ragforge's note only
      // after it, as one "  in override '<input>' at column N..." line.
      std::string hydra = e.at("error").at("message");
      EXPECT_EQ(msg.substr(0, hydra.size()), hydra) << "full message:\n" << msg;
      EXPECT_EQ(err.hydra_message(), hydra);
      std::string note = msg.substr(std::min(msg.size(), hydra.size()));
      EXPECT_EQ(note.rfind("\n  in override '", 0), 0u) << msg;
      EXPECT_EQ(std::count(note.begin(), note.end(), '\n'), 1) << msg;
    }
    return;
  }

  Override o;
  try {
    o = parse_override(v.input);
  } catch (const std::exception& err) {
    FAIL() << "rejected an override Hydra accepts: " << err.what();
  }
  EXPECT_EQ(type_name(o.type), e.at("type").get<std::string>());
  EXPECT_EQ(o.key_or_group, e.at("key_or_group").get<std::string>());
  EXPECT_EQ(o.package ? json(*o.package) : json(nullptr), e.at("package"));
  EXPECT_EQ(o.key_element(), e.at("key_element").get<std::string>());
  EXPECT_EQ(value_type_name(o.value_type), e.at("value_type"));
  expect_value(e.at("raw_value"), o.value, "raw_value");
  expect_value(e.at("value"), o.converted_value(), "value");
  EXPECT_EQ(o.is_sweep(), e.at("is_sweep").get<bool>());
  EXPECT_EQ(o.is_hydra_override(), e.at("is_hydra_override").get<bool>());
  EXPECT_EQ(o.input, v.input);
  if (e.contains("value_as_str")) {
    EXPECT_EQ(o.value_as_str(), e["value_as_str"].get<std::string>());
  }
  if (e.contains("value_string")) {
    EXPECT_EQ(o.value_string, e["value_string"].get<std::string>());
  }
  if (e.contains("sweep_strings")) {
    EXPECT_EQ(o.sweep_strings(), e["sweep_strings"].get<std::vector<std::string>>());
    json values = json::array();
    for (const auto& x : o.sweep_values()) values.push_back(to_json(x));
    EXPECT_EQ(values, e.at("sweep_values"));
  }
  if (e.contains("sweep_strings_sorted")) {
    auto got = o.sweep_strings();
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, e["sweep_strings_sorted"].get<std::vector<std::string>>());
  }
}

INSTANTIATE_TEST_SUITE_P(Hydra, OverrideVectors, ::testing::ValuesIn(load_vectors()),
                         [](const ::testing::TestParamInfo<Vector>& info) { return info.param.id; });

TEST(OverrideVectorsFile, IsNotEmpty) { EXPECT_GT(load_vectors().size(), 300u); }

}  // namespace
}  // namespace ragforge::config
