// Where the tokenizer tests find the real tokenizer files and goldens.
#pragma once
#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

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

// The synthetic golden tokenizers (<name>.tokenizer.json under golden "synthetic"), sorted.
inline std::vector<std::string> synthetic_names() {
  std::vector<std::string> names;
  const std::string dir = golden_path("synthetic");
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string f = e->d_name;
      const std::string suffix = ".tokenizer.json";
      if (f.size() > suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0)
        names.push_back(f.substr(0, f.size() - suffix.size()));
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ragforge::tokenizer::testing_files
