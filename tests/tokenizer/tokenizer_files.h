// Where the tokenizer tests find the real tokenizer files and goldens.
#pragma once
#include <fstream>
#include <string>

#include "support/subprocess.h"

namespace ragforge::tokenizer::testing_files {

// third_party_npm/<name> under the source tree, or "" when it is missing.
inline std::string tokenizer_dir(const std::string& name) {
  const std::string dir = ragforge::testing::source_dir() + "/third_party_npm/" + name;
  std::ifstream in(dir + "/tokenizer.json");
  return in ? dir : std::string();
}

inline std::string missing_message(const std::string& name) {
  return ragforge::testing::source_dir() + "/third_party_npm/" + name +
         "/tokenizer.json is missing: run scripts/fetch-tokenizers.sh";
}

inline std::string golden_path(const std::string& file) {
  return ragforge::testing::source_dir() + "/tests/data/tokenizers/" + file;
}

}  // namespace ragforge::tokenizer::testing_files
