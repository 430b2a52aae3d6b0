// The loader and emitter against real OmegaConf output recorded in
// tests/data/hydra: every config_yaml / resolved_yaml must survive
// to_yaml(load_yaml_string(s)) byte for byte, resolved_yaml must load to the
// recorded `resolved` JSON, and every config file in compose/ must load (or
// fail the way the recorded run failed).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "config/python_repr.h"
#include "config/yaml_emit.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "support/subprocess.h"
#include "support/tagged_json.h"

namespace ragforge::config {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

std::string data_dir() { return testing::source_dir() + "/tests/data/hydra"; }

struct YamlCase {
  std::string name;      // gtest-safe
  std::string yaml;      // emitted by OmegaConf.to_yaml
  bool has_resolved = false;
  Json resolved;         // for resolved_yaml: the same data as JSON
};

std::string sanitize(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

std::vector<YamlCase> load_cases() {
  std::vector<YamlCase> cases;
  std::ifstream in(data_dir() + "/compose_expected.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const Json d = Json::parse(line);
    const Json& e = d["expected"];
    std::vector<std::pair<std::string, const Json*>> runs{{"", &e}};
    if (e.contains("jobs"))
      for (size_t j = 0; j < e["jobs"].size(); ++j) runs.emplace_back("_job" + std::to_string(j), &e["jobs"][j]);
    for (const auto& [suffix, run] : runs) {
      const std::string base = sanitize(d["id"].get<std::string>()) + suffix;
      // resolved_yaml is null where resolving failed (resolve_error is set).
      if (run->contains("config_yaml") && (*run)["config_yaml"].is_string()) cases.push_back({base + "_config", (*run)["config_yaml"], false, {}});
      if (run->contains("resolved_yaml") && (*run)["resolved_yaml"].is_string()) {
        YamlCase c{base + "_resolved", (*run)["resolved_yaml"], run->contains("resolved"), {}};
        if (c.has_resolved) c.resolved = (*run)["resolved"];
        cases.push_back(std::move(c));
      }
    }
  }
  return cases;
}

// Compares a loaded Node with the recorded JSON (floats as {"$float": repr}).
bool matches(const Node& n, const Json& j, const std::string& path, std::string* why) {
  const auto fail = [&](const std::string& what) {
    *why = (path.empty() ? "<root>" : path) + ": " + what + " (node " + n.type_name() + ", json " + j.dump() + ")";
    return false;
  };
  if (j.is_object() && j.size() == 1 && j.contains("$float")) {
    if (!n.is_float()) return fail("want float");
    if (python_float_repr(n.as_float()) != j["$float"].get<std::string>()) return fail("float differs");
    return true;
  }
  if (j.is_null()) return n.is_null() || fail("want null");
  if (j.is_boolean()) return (n.is_bool() && n.as_bool() == j.get<bool>()) || fail("want bool");
  if (j.is_number_integer()) return (n.is_int() && n.as_int() == j.get<int64_t>()) || fail("want int");
  if (j.is_string()) return (n.is_string() && n.as_string() == j.get<std::string>()) || fail("want string");
  if (j.is_array()) {
    if (!n.is_list() || n.size() != j.size()) return fail("want list of " + std::to_string(j.size()));
    for (size_t i = 0; i < j.size(); ++i)
      if (!matches(n.items()[i], j[i], path + "." + std::to_string(i), why)) return false;
    return true;
  }
  if (j.is_object()) {
    if (!n.is_dict() || n.size() != j.size()) return fail("want dict of " + std::to_string(j.size()));
    size_t i = 0;
    for (auto it = j.begin(); it != j.end(); ++it, ++i) {
      const DictEntry& e = n.entries()[i];
      if (e.key.text != it.key()) return fail("key " + std::to_string(i) + " is '" + e.key.text + "'");
      if (!matches(e.value, it.value(), path.empty() ? it.key() : path + "." + it.key(), why)) return false;
    }
    return true;
  }
  return fail("unexpected json");
}

class YamlRoundTrip : public ::testing::TestWithParam<YamlCase> {};

TEST_P(YamlRoundTrip, EmitsWhatOmegaConfEmitted) {
  const YamlCase& c = GetParam();
  Node n;
  ASSERT_NO_THROW(n = load_yaml_string(c.yaml, c.name + ".yaml")) << c.yaml;
  EXPECT_EQ(to_yaml(n), c.yaml);
  if (c.has_resolved) {
    std::string why;
    EXPECT_TRUE(matches(n, c.resolved, "", &why)) << why;
    EXPECT_TRUE(n == testing::node_from_tagged_json(c.resolved));
  }
}

INSTANTIATE_TEST_SUITE_P(HydraData, YamlRoundTrip, ::testing::ValuesIn(load_cases()),
                         [](const ::testing::TestParamInfo<YamlCase>& info) { return info.param.name; });

TEST(YamlRoundTripData, CoversTheRecordedOutputs) {
  // Guards against the data silently going missing: 255 YAML outputs, 126
  // of them with a resolved JSON twin, were recorded.
  const auto cases = load_cases();
  size_t with_json = 0;
  for (const auto& c : cases) with_json += c.has_resolved;
  EXPECT_GE(cases.size(), 255u);
  EXPECT_GE(with_json, 126u);
}

// Config files the recorded runs show to be broken YAML, with the line
// PyYAML's error pointed at.
struct BrokenFile {
  std::string file;
  std::string line;
};
std::vector<BrokenFile> broken_files() {
  std::vector<BrokenFile> out;
  std::ifstream in(data_dir() + "/compose_expected.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const Json d = Json::parse(line);
    const Json& e = d["expected"];
    if (!e.contains("error") || !e["error"].contains("module")) continue;
    if (e["error"]["module"].get<std::string>().rfind("yaml.", 0) != 0) continue;
    const std::string msg = e["error"]["message"];
    // The problem's mark is the last `in "<CONFIG_DIR>/x.yaml", line N`.
    const size_t in_pos = msg.rfind("in \"<CONFIG_DIR>/");
    if (in_pos == std::string::npos) continue;
    const size_t name_start = in_pos + std::string("in \"<CONFIG_DIR>/").size();
    const size_t name_end = msg.find('"', name_start);
    const size_t line_pos = msg.find("line ", name_end);
    const size_t line_end = msg.find(',', line_pos);
    out.push_back({"compose/" + d["case"].get<std::string>() + "/" + msg.substr(name_start, name_end - name_start),
                   msg.substr(line_pos, line_end - line_pos)});
  }
  return out;
}

TEST(YamlComposeFiles, EveryConfigLoadsOrFailsAsRecorded) {
  const auto broken = broken_files();
  ASSERT_GE(broken.size(), 2u);
  std::set<std::string> broken_names;
  for (const auto& b : broken) broken_names.insert(b.file);
  size_t loaded = 0, failed = 0;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir() + "/compose")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    const std::string path = entry.path().string();
    const std::string rel = fs::relative(entry.path(), data_dir()).string();
    const BrokenFile* want_error = nullptr;
    for (const auto& b : broken)
      if (b.file == rel) want_error = &b;
    try {
      load_yaml_file(path);
      EXPECT_EQ(want_error, nullptr) << rel << " loaded but the recorded run failed on it";
      ++loaded;
    } catch (const Error& e) {
      ASSERT_NE(want_error, nullptr) << rel << ": " << e.what();
      const std::string msg = e.what();
      EXPECT_NE(msg.find("in \"" + path + "\", " + want_error->line), std::string::npos) << msg;
      ++failed;
    }
  }
  EXPECT_EQ(failed, broken_names.size());
  EXPECT_GE(loaded, 140u);
}

TEST(YamlComposeFiles, EveryHeaderParses) {
  size_t with_package = 0;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir() + "/compose")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::map<std::string, std::string> header;
    ASSERT_NO_THROW(header = read_header_directives(text)) << entry.path();
    with_package += header.count("package");
  }
  EXPECT_GT(with_package, 0u);
}

}  // namespace
}  // namespace ragforge::config
