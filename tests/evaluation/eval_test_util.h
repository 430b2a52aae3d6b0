// Helpers for the evaluation tests: the golden cases recorded from RAG-FiT's
// own code (tests/data/golden/recipes/rag_fit_metrics), scratch folders,
// JSONL files, and settings from YAML text.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "settings/evaluation_settings.h"
#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::evaluation::testing {

inline std::string golden_dir() {
  return ragforge::testing::source_dir() + "/tests/data/golden/recipes/rag_fit_metrics";
}

inline std::string read_text(const std::string& path) { return ragforge::testing::read_file(path); }

inline std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(read_text(path));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

inline std::vector<nlohmann::json> golden_cases() { return read_jsonl(golden_dir() + "/cases.jsonl"); }

inline std::vector<nlohmann::json> golden_cases_of(const std::string& metric) {
  std::vector<nlohmann::json> out;
  for (auto& c : golden_cases())
    if (c["metric"] == metric) out.push_back(c);
  return out;
}

// The shared scratch folder, plus JSONL files.
class ScratchDir : public ragforge::testing::ScratchDir {
 public:
  // One compact JSON object per line.
  std::string write_jsonl(const std::string& name, const std::vector<nlohmann::json>& rows) const {
    std::string text;
    for (const auto& r : rows) text += r.dump() + "\n";
    return write(name, text);
  }
};

inline bool exists(const std::string& path) { return std::filesystem::exists(path); }

// Parsed settings of a config given as YAML text.
inline settings::EvaluationSettings settings_from_yaml(const std::string& yaml) {
  const config::Node root = config::load_yaml_string(yaml, "test.yaml");
  return settings::parse_evaluation_settings(config::ConfigView(root));
}

// The message of the ragforge::Error that parsing `yaml` throws ("" if none).
inline std::string settings_error(const std::string& yaml) {
  try {
    settings_from_yaml(yaml);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Python's sum(xs) / len(xs) over floats: left to right.
inline double python_mean(const std::vector<double>& xs) {
  double s = 0.0;
  for (double x : xs) s += x;
  return s / static_cast<double>(xs.size());
}

}  // namespace ragforge::evaluation::testing
