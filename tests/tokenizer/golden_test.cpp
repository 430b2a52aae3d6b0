// Every line of the HF tokenizers goldens in tests/data/tokenizers must match
// exactly, on the real tokenizer files fetched by scripts/fetch-tokenizers.sh.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_files.h"

namespace ragforge::tokenizer {
namespace {

using nlohmann::json;

std::vector<json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<json> rows;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, EveryLineMatchesHf) {
  const std::string name = GetParam();
  const std::string dir = testing_files::tokenizer_dir(name);
  ASSERT_FALSE(dir.empty()) << testing_files::missing_message(name);
  const Tokenizer tok = Tokenizer::from_file(dir + "/tokenizer.json");
  const auto rows = read_jsonl(testing_files::golden_path(name + ".jsonl"));
  ASSERT_GE(rows.size(), 30u);
  for (const json& row : rows) {
    const std::string text = row["text"];
    SCOPED_TRACE("line " + std::to_string(row["i"].get<int>()) + ": " + json(text).dump());
    const auto plain = tok.encode(text, false);
    EXPECT_EQ(plain.ids, row["ids"].get<std::vector<int32_t>>());
    EXPECT_EQ(plain.tokens, row["tokens"].get<std::vector<std::string>>());
    const auto special = tok.encode(text, true);
    EXPECT_EQ(special.ids, row["ids_with_special"].get<std::vector<int32_t>>());
    EXPECT_EQ(special.special_tokens_mask, row["special_tokens_mask"].get<std::vector<int32_t>>());
    EXPECT_EQ(special.attention_mask, std::vector<int32_t>(special.ids.size(), 1));
    EXPECT_EQ(tok.encode_ids(text, true), special.ids);
    EXPECT_EQ(tok.encode_ids(text, false), plain.ids);
    EXPECT_EQ(tok.decode(row["ids"].get<std::vector<int32_t>>(), false), row["decoded"].get<std::string>());
    EXPECT_EQ(tok.decode(row["ids_with_special"].get<std::vector<int32_t>>(), true),
              row["decoded_skip_special"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, Golden, ::testing::Values("qwen3", "llama3_1", "mistral_v01_sp32k"));

// Rendered chat templates tokenize (without special tokens) to the goldens' ids.
class ChatGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatGolden, RenderedTextMatchesHfIds) {
  const std::string name = GetParam();
  const std::string dir = testing_files::tokenizer_dir(name);
  ASSERT_FALSE(dir.empty()) << testing_files::missing_message(name);
  const Tokenizer tok = Tokenizer::from_dir(dir);
  for (const json& row : read_jsonl(testing_files::golden_path("chat_" + name + ".jsonl"))) {
    SCOPED_TRACE("line " + std::to_string(row["i"].get<int>()));
    EXPECT_EQ(tok.encode(row["rendered"].get<std::string>(), false).ids, row["ids"].get<std::vector<int32_t>>());
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, ChatGolden, ::testing::Values("qwen3", "llama3_1"));

TEST(GoldenMeta, VocabSizesAndSpecialIds) {
  for (const std::string name : {"qwen3", "llama3_1", "mistral_v01_sp32k"}) {
    SCOPED_TRACE(name);
    const std::string dir = testing_files::tokenizer_dir(name);
    ASSERT_FALSE(dir.empty()) << testing_files::missing_message(name);
    const Tokenizer tok = Tokenizer::from_dir(dir);
    std::ifstream in(testing_files::golden_path(name + ".meta.json"));
    const json meta = json::parse(in);
    EXPECT_EQ(tok.vocab_size(true), meta["vocab_size_with_added"].get<size_t>());
    EXPECT_EQ(tok.vocab_size(false), meta["vocab_size_base"].get<size_t>());
    for (const auto& [content, id] : meta["special_token_ids"].items()) {
      EXPECT_EQ(tok.token_to_id(content), std::optional<int32_t>(id.get<int32_t>())) << content;
      EXPECT_EQ(tok.id_to_token(id.get<int32_t>()), std::optional<std::string>(content));
    }
    const json& cfg = meta["tokenizer_config_subset"];
    auto expect_token = [&](const char* key, const std::optional<std::string>& got) {
      if (!cfg.contains(key)) return;
      if (cfg[key].is_null())
        EXPECT_FALSE(got) << key;
      else
        EXPECT_EQ(got, std::optional<std::string>(cfg[key].get<std::string>())) << key;
    };
    expect_token("bos_token", tok.bos_token());
    expect_token("eos_token", tok.eos_token());
    expect_token("pad_token", tok.pad_token());
    expect_token("unk_token", tok.unk_token());
    if (cfg.contains("add_bos_token")) {
      EXPECT_EQ(tok.add_bos_token(), cfg["add_bos_token"].get<bool>());
    }
    if (cfg.contains("add_eos_token")) {
      EXPECT_EQ(tok.add_eos_token(), cfg["add_eos_token"].get<bool>());
    }
    if (name != "mistral_v01_sp32k") {
      EXPECT_NE(tok.chat_template().find("{%"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace ragforge::tokenizer
