// Helpers for the data pipeline tests: scratch files, real tokenizers, and
// configs from YAML text.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "settings/sft_data_settings.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_files.h"

namespace ragforge::data::testing {

// A fresh directory under the test temp dir, removed with the object.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "ragforge_data_XXXXXX";
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `text` to <dir>/<name> and returns the full path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

// The text contains the piece (the text is printed when it does not).
#define EXPECT_CONTAINS(text, piece)                                    \
  do {                                                                  \
    const std::string text_ = (text);                                   \
    EXPECT_NE(text_.find(piece), std::string::npos) << "in: " << text_; \
  } while (0)

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
