// `ragforge chat-template`: JSONL conversations in, rendered text and ids out,
// through the real executable, against transformers' goldens.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

using nlohmann::ordered_json;

std::string tokenizer_dir(const std::string& name) {
  const std::string dir = source_dir() + "/third_party_npm/" + name;
  std::ifstream in(dir + "/tokenizer_config.json");
  return in ? dir : std::string();
}

std::vector<ordered_json> jsonl(const std::string& text) {
  std::vector<ordered_json> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) rows.push_back(ordered_json::parse(line));
  return rows;
}

void check_goldens(const std::string& name) {
  const std::string dir = tokenizer_dir(name);
  ASSERT_FALSE(dir.empty()) << "third_party_npm/" << name << " is missing: run scripts/fetch-tokenizers.sh";
  std::ifstream golden(source_dir() + "/tests/data/tokenizers/chat_" + name + ".jsonl");
  ASSERT_TRUE(golden);
  std::vector<ordered_json> expected;
  ProcessOptions opts;
  std::string line;
  while (std::getline(golden, line)) {
    ordered_json g = ordered_json::parse(line);
    ordered_json in;
    in["messages"] = g["messages"];
    in["add_generation_prompt"] = g["add_generation_prompt"];
    for (auto it = g["kwargs"].begin(); it != g["kwargs"].end(); ++it) in[it.key()] = it.value();
    opts.stdin_text += in.dump() + "\n";
    expected.push_back(g);
  }
  const auto r = run_process({ragforge_bin(), "chat-template", "--tokenizer-dir", dir}, opts);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = jsonl(r.out);
  ASSERT_EQ(rows.size(), expected.size()) << r.out;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["text"], expected[i]["rendered"]) << name << " line " << i;
    EXPECT_EQ(rows[i]["ids"], expected[i]["ids"]) << name << " line " << i;
    EXPECT_EQ(rows[i].begin().key(), "text");
  }
}

TEST(ChatTemplateCli, RendersQwen3GoldensToTextAndIds) { check_goldens("qwen3"); }
TEST(ChatTemplateCli, RendersLlama31GoldensToTextAndIds) { check_goldens("llama3_1"); }

TEST(ChatTemplateCli, BadLineNamesItsNumberAndExitsOne) {
  const std::string dir = tokenizer_dir("qwen3");
  ASSERT_FALSE(dir.empty()) << "third_party_npm/qwen3 is missing: run scripts/fetch-tokenizers.sh";
  const std::string ok = R"({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true})";
  ProcessOptions opts;

  opts.stdin_text = ok + "\n\n{\"messages\": \"not a list\"}\n" + ok + "\n";
  auto r = run_process({ragforge_bin(), "chat-template", "--tokenizer-dir", dir}, opts);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stdin line 3"), std::string::npos) << r.err;
  EXPECT_EQ(jsonl(r.out).size(), 1u) << r.out;

  opts.stdin_text = ok + "\n{not json\n";
  r = run_process({ragforge_bin(), "chat-template", "--tokenizer-dir", dir}, opts);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stdin line 2: invalid JSON"), std::string::npos) << r.err;

  // A template runtime error (Qwen3's template reads messages[0].role) names
  // both the input line and the template's line and column.
  opts.stdin_text = "{\"messages\": []}\n";
  r = run_process({ragforge_bin(), "chat-template", "--tokenizer-dir", dir}, opts);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stdin line 1: chat template error at line 13, column"), std::string::npos) << r.err;
}

TEST(ChatTemplateCli, TokenizerWithoutChatTemplateIsAnError) {
  const std::string dir = tokenizer_dir("mistral_v01_sp32k");
  ASSERT_FALSE(dir.empty()) << "third_party_npm/mistral_v01_sp32k is missing: run scripts/fetch-tokenizers.sh";
  ProcessOptions opts;
  opts.stdin_text = "{\"messages\": []}\n";
  const auto r = run_process({ragforge_bin(), "chat-template", "--tokenizer-dir", dir}, opts);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("has no chat template"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge::testing
