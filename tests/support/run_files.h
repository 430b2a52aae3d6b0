// Reading what a test's `train` run left behind: metrics.jsonl lines and the
// demo data the build generated.
#pragma once
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {

// The lines of a JSONL file that have `key` (all of them when key is empty).
inline std::vector<nlohmann::json> jsonl_lines_with(const std::string& path, const std::string& key = "") {
  std::vector<nlohmann::json> out;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) {
      auto j = nlohmann::json::parse(line);
      if (key.empty() || j.contains(key)) out.push_back(std::move(j));
    }
  return out;
}

// The first `rows` rows of the WordNet demo data the build generated (row i
// depends only on the seed and i, so this is `demo-data --rows N`), as
// <dir>/data.jsonl.
inline std::string first_demo_rows(const ScratchDir& dir, int rows) {
  namespace fs = std::filesystem;
  const std::string demo = (fs::path(ragforge_bin()).parent_path() / "../share/ragforge/demo/wordnet-rag.jsonl").string();
  std::ifstream in(demo);
  EXPECT_TRUE(in.good()) << demo << " is built by the demo_data target (needs wordnet-base)";
  std::string path = dir / "data.jsonl", line;
  std::ofstream out(path);
  for (int i = 0; i < rows && std::getline(in, line); ++i) out << line << "\n";
  return path;
}

}  // namespace ragforge::testing
