// Helpers for the data pipeline tests: scratch files, real tokenizers, and
// configs from YAML text.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "settings/sft_data_settings.h"
#include "support/scratch_dir.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_files.h"

namespace ragforge::data::testing {

using ragforge::testing::ScratchDir;

// Skips the test when third_party_npm/<name> is absent.
#define RAGFORGE_LOAD_TOKENIZER(var, name)                                               \
  const std::string var##_dir = ragforge::tokenizer::testing_files::tokenizer_dir(name); \
  if (var##_dir.empty())                                                                 \
    GTEST_SKIP() << ragforge::tokenizer::testing_files::missing_message(name);           \
  const auto var = ragforge::tokenizer::Tokenizer::from_dir(var##_dir)

// The settings of a config given as YAML text.
inline settings::SftDataSettings settings_from_yaml(const std::string& yaml) {
  const config::Node root = config::load_yaml_string(yaml, "test.yaml");
  return settings::parse_sft_data_settings(config::ConfigView(root));
}

// The message of the ragforge::Error `fn` throws ("" if none).
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace ragforge::data::testing
