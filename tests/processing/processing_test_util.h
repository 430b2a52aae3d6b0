// Helpers for the processing tests: scratch folders, pipelines from YAML
// text, and running one step on in-memory examples.
#pragma once
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "processing/dataset.h"
#include "processing/step.h"
#include "settings/processing_settings.h"
#include "support/scratch_dir.h"

namespace ragforge::processing::testing {

using ragforge::testing::ScratchDir;

// The validated pipeline of a YAML config.
inline settings::ProcessingSettings pipeline_from_yaml(const std::string& yaml) {
  const config::Node root = config::load_yaml_string(yaml, "test.yaml");
  return settings::parse_processing_settings(config::ConfigView(root));
}

// The error message parse_processing_settings gives, or "" when it accepts the config.
inline std::string settings_error(const std::string& yaml) {
  try {
    pipeline_from_yaml(yaml);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class MemoryStore : public DatasetStore {
 public:
  std::map<std::string, Rows> datasets;
  const Rows& get(const std::string& name) override { return datasets.at(name); }
  Rows take(const std::string& name) override { return std::move(datasets.at(name)); }
  void put(const std::string& name, Rows rows) override { datasets[name] = std::move(rows); }
};

inline Rows rows_of(const std::string& json_array) {
  Rows rows;
  for (auto& r : Row::parse(json_array)) rows.push_back(r);
  return rows;
}

// Runs one step (its YAML as a list item, `inputs` defaulting to train) on
// in-memory datasets and returns them. `notes` gets what the step logs.
inline std::map<std::string, Rows> apply_step(const std::string& step_yaml, std::map<std::string, Rows> datasets,
                                              std::string* notes = nullptr,
                                              const std::vector<std::string>& prompt_dirs = {}) {
  std::string loaders;
  for (const auto& [name, rows] : datasets)
    loaders += "  - _target_: ragfit.processing.dataset_loaders.loaders.LocalLoader\n    inputs: " + name +
               "\n    filename: unused.jsonl\n";
  const settings::ProcessingSettings s = pipeline_from_yaml("name: t\nsteps:\n" + loaders + step_yaml);
  std::ostringstream log;
  std::vector<OutputFile> outputs;
  StepEnv env;
  env.log = &log;
  env.outputs = &outputs;
  env.prompt_dirs = prompt_dirs;
  const auto step = make_step(s.steps.back(), env);
  MemoryStore store;
  store.datasets = std::move(datasets);
  for (const Unit& u : step->units()) step->run(u, store);
  if (notes) *notes = log.str();
  return std::move(store.datasets);
}

inline Rows read_jsonl(const std::string& path) { return read_records(path); }

}  // namespace ragforge::processing::testing
