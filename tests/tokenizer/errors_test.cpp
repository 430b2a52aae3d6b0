// Malformed or unsupported tokenizer.json files give a ragforge::Error naming
// the file and the component, never a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::tokenizer {
namespace {

using nlohmann::json;

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/ragforge-tokenizer-test-XXXXXX";
    const int fd = mkstemp(name);
    path_ = name;
    ::close(fd);
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

json minimal() {
  return json::parse(R"({
    "version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": null,
    "post_processor": null, "decoder": null,
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})");
}

// The message of the Error loading `j` throws.
std::string load_error_text(const std::string& text) {
  TempFile f(text);
  try {
    Tokenizer::from_file(f.path());
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(f.path()), std::string::npos) << "message does not name the file: " << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a ragforge::Error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error for " << text;
  return "";
}

std::string load_error(const json& j) { return load_error_text(j.dump()); }

void expect_contains(const std::string& msg, const std::string& part) {
  EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
}

TEST(Errors, MinimalTokenizerLoads) {
  TempFile f(minimal().dump());
  const Tokenizer tok = Tokenizer::from_file(f.path());
  EXPECT_EQ(tok.encode("abba", false).ids, (std::vector<int32_t>{2, 1, 0}));
  EXPECT_EQ(tok.decode({2, 1}), "ab b");  // no decoder: tokens joined by spaces, as HF
}

TEST(Errors, MissingFile) {
  try {
    Tokenizer::from_file("/nonexistent/dir/tokenizer.json");
    FAIL();
  } catch (const Error& e) {
    expect_contains(e.what(), "/nonexistent/dir/tokenizer.json");
  }
  EXPECT_THROW(Tokenizer::from_dir("/nonexistent/dir"), Error);
}

TEST(Errors, InvalidJson) {
  expect_contains(load_error_text("{\"model\": "), "invalid JSON");
  expect_contains(load_error_text("[1, 2]"), "JSON object");
  expect_contains(load_error_text(""), "invalid JSON");
}

TEST(Errors, UnknownComponentsAreNamed) {
  json j = minimal();
  j["pre_tokenizer"] = {{"type", "Foo"}};
  expect_contains(load_error(j), "pre_tokenizer type 'Foo' is not supported");

  j = minimal();
  j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Digits"}}, {{"type", "Bar"}}}}};
  const std::string nested = load_error(j);
  expect_contains(nested, "pre_tokenizer.pretokenizers[1]");
  expect_contains(nested, "pre_tokenizer type 'Bar' is not supported");

  j = minimal();
  j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}};
  expect_contains(load_error(j), "normalizer type 'Precompiled' is not supported");

  j = minimal();
  j["decoder"] = {{"type", "CTC"}};
  expect_contains(load_error(j), "decoder type 'CTC' is not supported");

  j = minimal();
  j["post_processor"] = {{"type", "Nope"}};
  expect_contains(load_error(j), "post_processor type 'Nope' is not supported");

  j = minimal();
  j["model"] = {{"type", "Unigram"}, {"vocab", json::array()}};
  expect_contains(load_error(j), "model type 'Unigram' is not supported");
}

TEST(Errors, MalformedComponents) {
  json j = minimal();
  j["model"].erase("vocab");
  expect_contains(load_error(j), "missing field 'vocab'");

  j = minimal();
  j["model"]["merges"] = {"a c"};
  expect_contains(load_error(j), "token 'c' is not in the vocab");

  j = minimal();
  j["model"]["merges"] = {"a b c"};
  expect_contains(load_error(j), "merges[0]");

  j = minimal();
  j["model"]["unk_token"] = "<unk>";
  expect_contains(load_error(j), "unk_token '<unk>' is not in the vocab");

  j = minimal();
  j["model"]["dropout"] = 0.1;
  expect_contains(load_error(j), "dropout");

  j = minimal();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a(?<=b)"}}}, {"behavior", "Isolated"}};
  expect_contains(load_error(j), "lookbehind");

  j = minimal();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  expect_contains(load_error(j), "regex '(unclosed' is not supported");

  j = minimal();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Sideways"}};
  expect_contains(load_error(j), "split behavior 'Sideways'");

  j = minimal();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", "a"}, {"behavior", "Isolated"}};
  expect_contains(load_error(j), "'pattern' must be");

  j = minimal();
  j["added_tokens"] = {{{"content", "x"}}};
  expect_contains(load_error(j), "added_tokens[0]");

  j = minimal();
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}}},
                         {"special_tokens", json::object()}};
  expect_contains(load_error(j), "special token '<s>' is not in 'special_tokens'");

  j = minimal();
  j["normalizer"] = {{"type", "Strip"}, {"strip_left", "yes"}};
  expect_contains(load_error(j), "'strip_left' must be true or false");
}

TEST(Errors, BadTokenizerConfig) {
  char dir[] = "/tmp/ragforge-tokenizer-dir-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  const std::string d = dir;
  std::ofstream(d + "/tokenizer.json") << minimal().dump();
  std::ofstream(d + "/tokenizer_config.json") << R"({"bos_token": 5})";
  try {
    Tokenizer::from_dir(d);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    expect_contains(e.what(), "tokenizer_config.json");
    expect_contains(e.what(), "bos_token");
  }
  std::ofstream(d + "/tokenizer_config.json") << R"({"bos_token": {"content": "a"}, "chat_template": [{"name": "tool", "template": "T"}, {"name": "default", "template": "D"}]})";
  const Tokenizer tok = Tokenizer::from_dir(d);
  EXPECT_EQ(tok.bos_token(), "a");
  EXPECT_EQ(tok.chat_template(), "D");
  EXPECT_FALSE(tok.padding_side_left());

  // special_tokens_map.json and chat_template.jinja win; padding_side is read.
  std::ofstream(d + "/tokenizer_config.json") << R"({"bos_token": "a", "eos_token": "b", "padding_side": "left", "chat_template": "K"})";
  std::ofstream(d + "/special_tokens_map.json") << R"({"eos_token": {"content": "ab"}, "pad_token": "a"})";
  std::ofstream(d + "/chat_template.jinja") << "J";
  const Tokenizer tok2 = Tokenizer::from_dir(d);
  EXPECT_EQ(tok2.bos_token(), "a");
  EXPECT_EQ(tok2.eos_token(), "ab");
  EXPECT_EQ(tok2.pad_token(), "a");
  EXPECT_EQ(tok2.pad_token_id(), 0);
  EXPECT_EQ(tok2.chat_template(), "J");
  EXPECT_TRUE(tok2.padding_side_left());

  std::ofstream(d + "/tokenizer_config.json") << R"({"padding_side": "middle"})";
  EXPECT_THROW(Tokenizer::from_dir(d), Error);
  for (const char* f : {"/tokenizer.json", "/tokenizer_config.json", "/special_tokens_map.json", "/chat_template.jinja"})
    std::remove((d + f).c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace ragforge::tokenizer
