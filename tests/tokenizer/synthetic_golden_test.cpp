// Small tokenizer.json files in tests/data/tokenizers/synthetic exercise the
// components the real tokenizers do not; their goldens come from HF tokenizers
// (scripts/tokenizer-goldens/make_synthetic.js).
#include <gtest/gtest.h>


#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer_files.h"

namespace ragforge::tokenizer {
namespace {

using nlohmann::json;

using testing_files::synthetic_names;

TEST(SyntheticGolden, AllConfigurationsArePresent) { EXPECT_GE(synthetic_names().size(), 16u); }

class SyntheticGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(SyntheticGolden, EveryLineMatchesHf) {
  const std::string base = testing_files::golden_path("synthetic/" + GetParam());
  const Tokenizer tok = Tokenizer::from_file(base + ".tokenizer.json");
  std::ifstream in(base + ".jsonl");
  ASSERT_TRUE(in) << base << ".jsonl";
  std::string line;
  size_t lines = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++lines;
    const json row = json::parse(line);
    const std::string text = row["text"];
    SCOPED_TRACE("line " + std::to_string(row["i"].get<int>()) + ": " + json(text).dump());
    const auto plain = tok.encode(text, false);
    EXPECT_EQ(plain.ids, row["ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(plain.tokens, row["tokens"].get<std::vector<std::string>>());
    const auto special = tok.encode(text, true);
    EXPECT_EQ(special.ids, row["ids_with_special"].get<std::vector<int32_t>>());
    EXPECT_EQ(special.special_tokens_mask, row["special_tokens_mask"].get<std::vector<int32_t>>());
    EXPECT_EQ(tok.decode(row["ids"].get<std::vector<int32_t>>(), false), row["decoded"].get<std::string>());
    EXPECT_EQ(tok.decode(row["ids_with_special"].get<std::vector<int32_t>>(), true),
              row["decoded_skip_special"].get<std::string>());
  }
  EXPECT_GE(lines, 20u);
}

INSTANTIATE_TEST_SUITE_P(Configs, SyntheticGolden, ::testing::ValuesIn(synthetic_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace ragforge::tokenizer
