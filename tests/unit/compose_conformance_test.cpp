// Composition against recorded Hydra 1.3.2 runs (tests/data/hydra), at the
// API level: the defaults list, group choices, task overrides, override
// dirname, the unresolved job config and composition errors. The same
// records are replayed through the real CLI in tests/cli/.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "config/compose.h"
#include "config/hydra_errors.h"
#include "config/interpolation.h"
#include "config/yaml_emit.h"
#include "support/subprocess.h"

namespace ragforge::config {
namespace {

using nlohmann::json;

std::string data_dir() { return testing::source_dir() + "/tests/data/hydra"; }

std::vector<json> compose_records() {
  std::vector<json> out;
  std::ifstream in(data_dir() + "/compose_expected.jsonl");
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line);
    if (r["kind"] == "compose" && r.value("version_base", "1.3") == "1.3") out.push_back(r);
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) s.replace(i, from.size(), to);
  return s;
}

class ComposeConformance : public ::testing::TestWithParam<json> {};

}  // namespace
}  // namespace ragforge::config

namespace nlohmann {
// Keeps gtest from dumping the whole record when a case fails.
inline void PrintTo(const json& j, std::ostream* os) {
  *os << (j.is_object() && j.contains("id") ? j["id"].dump() : j.dump());
}
}  // namespace nlohmann

namespace ragforge::config {
namespace {

TEST_P(ComposeConformance, MatchesHydra) {
  const json& r = GetParam();
  const json& e = r["expected"];
  std::string case_dir = data_dir() + "/" + r["config_dir"].get<std::string>();
  ComposeRequest req;
  req.search_path = {{"main", "file://" + case_dir}};
  if (!r["config_name"].is_null()) req.config_name = r["config_name"].get<std::string>();
  for (const auto& o : r["overrides"]) req.overrides.push_back(o.get<std::string>());

  if (!e.value("ok", true)) {
    try {
      compose(req);
      FAIL() << "expected error: " << e["error"]["message"];
    } catch (const Error& ex) {
      std::string msg = replace_all(ex.what(), case_dir, "<CONFIG_DIR>");
      EXPECT_EQ(msg, e["error"]["message"].get<std::string>());
      if (const auto* he = dynamic_cast<const HydraError*>(&ex)) {
        EXPECT_EQ(he->type(), e["error"]["type"].get<std::string>());
        if (!e["error"]["causes"].empty()) {
          EXPECT_EQ(he->cause_type(), e["error"]["causes"][0]["type"].get<std::string>());
          EXPECT_EQ(he->cause_message(), e["error"]["causes"][0]["message"].get<std::string>());
        }
      }
    }
    return;
  }
  ComposeResult res = compose(req);

  json rows = json::array();
  for (const auto& d : res.defaults.defaults) {
    if (d.config_path.rfind("hydra/", 0) == 0) continue;
    rows.push_back({{"config_path", d.config_path},
                    {"package", d.package},
                    {"parent", d.parent ? json(*d.parent) : json(nullptr)},
                    {"is_self", d.is_self},
                    {"primary", d.primary}});
  }
  EXPECT_EQ(rows.dump(1), e["defaults_list"].dump(1));

  json choices = json::object();
  for (const auto& [k, v] : res.defaults.known_choices)
    if (k.rfind("hydra/", 0) != 0) choices[k] = v ? json(*v) : json(nullptr);
  EXPECT_EQ(choices, e["choices"]);

  const Node& hydra = *res.cfg.find("hydra");
  // Recorded from the resolved hydra node: `\${x}` in an override reads back as `${x}`.
  json task = json::array();
  const Node resolved_task = resolve_value(hydra, "overrides.task");
  for (const auto& t : resolved_task.items()) task.push_back(t.as_string());
  EXPECT_EQ(task, e["task_overrides"]);
  EXPECT_EQ(resolve_value(hydra, "job.override_dirname").as_string(), e["override_dirname"].get<std::string>());

  Node job = res.cfg;
  job.erase("hydra");
  EXPECT_EQ(to_yaml(job), e["config_yaml"].get<std::string>());
}

std::string record_name(const ::testing::TestParamInfo<json>& info) {
  std::string id = info.param["id"];
  for (auto& c : id)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return id;
}

INSTANTIATE_TEST_SUITE_P(HydraRecords, ComposeConformance, ::testing::ValuesIn(compose_records()), record_name);

}  // namespace
}  // namespace ragforge::config
