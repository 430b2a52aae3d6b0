// Tokenizer::add_special_tokens and Tokenizer::save on the real tokenizers:
// the goldens in tests/data/tokenizers/added_special_tokens.jsonl come from HF
// tokenizers itself (scripts/tokenizer-goldens/make_added_special.js); the
// file formats follow what transformers' save_pretrained writes (the CLaRa and
// step-confidence golden model folders).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "support/scratch_dir.h"
#include "tokenizer/json_text.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_files.h"

namespace ragforge::tokenizer {
namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

Tokenizer load(const std::string& name) {
  const std::string dir = testing_files::tokenizer_dir(name);
  if (dir.empty()) throw std::runtime_error(testing_files::missing_message(name));
  return Tokenizer::from_dir(dir);
}

json read_json(const std::string& path) { return json::parse(ragforge::testing::read_file(path)); }

std::vector<json> golden_cases() {
  std::ifstream in(testing_files::golden_path("added_special_tokens.jsonl"));
  EXPECT_TRUE(in) << "cannot read added_special_tokens.jsonl";
  std::vector<json> rows;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

// One golden case against a tokenizer the case's calls were applied to.
void expect_matches_golden(const Tokenizer& tok, const json& c) {
  for (const auto& [token, id] : c["ids"].items()) EXPECT_EQ(tok.token_to_id(token), id.get<int32_t>()) << token;
  EXPECT_EQ(tok.vocab_size(), c["vocab_size"].get<size_t>());
  EXPECT_EQ(tok.vocab_size(false), c["vocab_size_base"].get<size_t>());
  for (const json& t : c["texts"]) {
    const std::string text = t["text"];
    SCOPED_TRACE(json(text).dump());
    const auto plain = tok.encode(text, false);
    EXPECT_EQ(plain.ids, t["ids"].get<Ids>());
    EXPECT_EQ(plain.tokens, t["tokens"].get<std::vector<std::string>>());
    EXPECT_EQ(tok.encode_ids(text, true), t["ids_with_special"].get<Ids>());
    std::vector<Tokenizer::Offsets> offsets;
    EXPECT_EQ(tok.encode_ids_offsets(text, offsets, false), plain.ids);
    EXPECT_EQ(tok.decode(t["ids"].get<Ids>(), false), t["decoded"].get<std::string>());
    EXPECT_EQ(tok.decode(t["ids_with_special"].get<Ids>(), true), t["decoded_skip_special"].get<std::string>());
  }
}

TEST(AddSpecialTokens, MatchesHfTokenizers) {
  const auto cases = golden_cases();
  ASSERT_EQ(cases.size(), 4u);
  for (const json& c : cases) {
    SCOPED_TRACE(c["tokenizer"].get<std::string>() + " " + c["calls"].dump());
    Tokenizer tok = load(c["tokenizer"]);
    std::vector<size_t> counts;
    for (const json& call : c["calls"]) counts.push_back(tok.add_special_tokens(call.get<std::vector<std::string>>()));
    EXPECT_EQ(counts, c["counts"].get<std::vector<size_t>>());
    for (const auto& [token, id] : c["ids"].items()) EXPECT_TRUE(tok.is_special_token(id.get<int32_t>())) << token;
    expect_matches_golden(tok, c);
  }
}

TEST(AddSpecialTokens, IdsFollowInOrderAndDuplicatesAreSkipped) {
  Tokenizer tok = load("mistral_v01_sp32k");
  ASSERT_EQ(tok.vocab_size(), 32000u);
  // "</s>" is already a special added token (id 2); the second "<B>" is the first one.
  EXPECT_EQ(tok.add_special_tokens({"<A>", "</s>", "<B>", "<B>", ""}), 2u);
  EXPECT_EQ(tok.token_to_id("<A>"), 32000);
  EXPECT_EQ(tok.token_to_id("<B>"), 32001);
  EXPECT_EQ(tok.token_to_id("</s>"), 2);
  EXPECT_EQ(tok.vocab_size(), 32002u);
  EXPECT_EQ(tok.id_to_token(32001), "<B>");
  EXPECT_EQ(tok.additional_special_tokens(), (std::vector<std::string>{"<A>", "</s>", "<B>", "<B>"}));
  // Adding them again adds nothing; a new one continues after the last.
  EXPECT_EQ(tok.add_special_tokens({"<A>", "<B>"}), 0u);
  EXPECT_EQ(tok.add_special_tokens({"<C>"}), 1u);
  EXPECT_EQ(tok.token_to_id("<C>"), 32002);
  EXPECT_EQ(tok.vocab_size(), 32003u);
  EXPECT_EQ(tok.add_special_tokens({}), 0u);
  EXPECT_EQ(tok.additional_special_tokens(), (std::vector<std::string>{"<C>"}));  // replaced, as transformers does
}

TEST(AddSpecialTokens, TextSplitsOnTheTokenAndNeighboursKeepTheirIds) {
  for (const char* name : {"qwen3", "mistral_v01_sp32k", "llama3_1"}) {
    SCOPED_TRACE(name);
    const Tokenizer before = load(name);
    Tokenizer tok = before;
    ASSERT_EQ(tok.add_special_tokens({"<MEM0>", "<MEM1>"}), 2u);
    const int32_t mem0 = *tok.token_to_id("<MEM0>"), mem1 = *tok.token_to_id("<MEM1>");
    EXPECT_EQ(mem1, mem0 + 1);
    EXPECT_EQ(size_t(mem1) + 1, tok.vocab_size());
    const std::vector<std::string> pieces = {"The answer is", " forty-two.", "\n日本語 text", "x"};
    std::string text;
    Ids expected;
    for (size_t i = 0; i < pieces.size(); ++i) {
      text += pieces[i];
      const Ids ids = before.encode_ids(pieces[i], false);  // each piece alone, before the tokens existed
      expected.insert(expected.end(), ids.begin(), ids.end());
      if (i + 1 < pieces.size()) {
        text += i % 2 ? "<MEM1>" : "<MEM0>";
        expected.push_back(i % 2 ? mem1 : mem0);
      }
    }
    const auto enc = tok.encode(text, false);
    EXPECT_EQ(enc.ids, expected);
    EXPECT_EQ(enc.tokens[before.encode_ids(pieces[0], false).size()], "<MEM0>");
    // The old tokenizer reads the same text as plain characters.
    const Ids old_ids = before.encode_ids(text, false);
    EXPECT_EQ(std::count(old_ids.begin(), old_ids.end(), mem0), 0);
    EXPECT_GT(old_ids.size(), expected.size());
    // skip_special_tokens drops the tokens and nothing else.
    Ids without;
    std::copy_if(enc.ids.begin(), enc.ids.end(), std::back_inserter(without),
                 [&](int32_t id) { return id != mem0 && id != mem1; });
    ASSERT_EQ(without.size() + 3, enc.ids.size());
    EXPECT_EQ(tok.decode(enc.ids, true), tok.decode(without, false));
    EXPECT_NE(tok.decode(enc.ids, false), tok.decode(without, false));
    EXPECT_EQ(tok.decode({mem0, mem1}, false), "<MEM0><MEM1>");
  }
}

TEST(AddSpecialTokens, CopiesMadeEarlierAreUnchanged) {
  const Tokenizer original = load("qwen3");
  const Ids plain = original.encode_ids("a<MEM0>b", false);  // "<", "MEM", ... as characters
  ASSERT_GT(plain.size(), 3u);
  Tokenizer changed = original;
  Tokenizer also_original = changed;
  ASSERT_EQ(changed.add_special_tokens({"<MEM0>", "<think>"}), 2u);
  const Tokenizer copy_after = changed;
  for (const Tokenizer* t : std::vector<const Tokenizer*>{&original, &also_original}) {
    EXPECT_EQ(t->vocab_size(), 151669u);
    EXPECT_FALSE(t->token_to_id("<MEM0>"));
    EXPECT_FALSE(t->is_special_token(151667));  // Qwen3's <think> is not special
    EXPECT_EQ(t->encode_ids("a<MEM0>b", false), plain);
    EXPECT_EQ(t->decode({151667}, true), "<think>");
  }
  for (const Tokenizer* t : std::vector<const Tokenizer*>{&changed, &copy_after}) {
    EXPECT_EQ(t->vocab_size(), 151670u);
    EXPECT_EQ(t->token_to_id("<MEM0>"), 151669);
    EXPECT_TRUE(t->is_special_token(151667));
    EXPECT_EQ(t->encode_ids("a<MEM0>b", false), (Ids{64, 151669, 65}));
    EXPECT_EQ(t->decode({151667}, true), "");
  }
  EXPECT_EQ(original.chat_template(), changed.chat_template());
  EXPECT_EQ(original.pad_token_id(), changed.pad_token_id());
}

TEST(AddSpecialTokens, RejectsInvalidUtf8) {
  Tokenizer tok = load("qwen3");
  try {
    tok.add_special_tokens({"<ok>", std::string("\xff<bad>")});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "token 1 is not valid UTF-8");
  }
  EXPECT_FALSE(tok.token_to_id("<ok>"));  // nothing was added
}

// ---- save ------------------------------------------------------------------

TEST(SaveTokenizer, WithoutAddedTokensCopiesTheFiles) {
  const std::string src = testing_files::tokenizer_dir("mistral_v01_sp32k");
  ASSERT_FALSE(src.empty()) << testing_files::missing_message("mistral_v01_sp32k");
  const Tokenizer tok = Tokenizer::from_dir(src);
  ragforge::testing::ScratchDir out;
  tok.save(out / "tok");
  EXPECT_EQ(out.read("tok/tokenizer.json"), ragforge::testing::read_file(src + "/tokenizer.json"));
  EXPECT_EQ(out.read("tok/tokenizer_config.json"), ragforge::testing::read_file(src + "/tokenizer_config.json"));
  EXPECT_FALSE(out.exists("tok/special_tokens_map.json"));  // the source had none
  EXPECT_FALSE(out.exists("tok/chat_template.jinja"));
}

TEST(SaveTokenizer, AddedTokensSurviveAReload) {
  for (const json& c : golden_cases()) {
    SCOPED_TRACE(c["tokenizer"].get<std::string>() + " " + c["calls"].dump());
    Tokenizer tok = load(c["tokenizer"]);
    for (const json& call : c["calls"]) tok.add_special_tokens(call.get<std::vector<std::string>>());
    ragforge::testing::ScratchDir out;
    tok.save(out.path());
    const Tokenizer back = Tokenizer::from_dir(out.path());
    expect_matches_golden(back, c);
    EXPECT_EQ(back.additional_special_tokens(), tok.additional_special_tokens());
    EXPECT_EQ(back.bos_token(), tok.bos_token());
    EXPECT_EQ(back.eos_token(), tok.eos_token());
    EXPECT_EQ(back.pad_token(), tok.pad_token());
    EXPECT_EQ(back.chat_template(), tok.chat_template());
    EXPECT_EQ(back.add_bos_token(), tok.add_bos_token());

    // tokenizer.json: HF's added_tokens, the rest as loaded.
    const json saved = read_json(out / "tokenizer.json");
    const json source = read_json(testing_files::tokenizer_dir(c["tokenizer"]) + "/tokenizer.json");
    EXPECT_EQ(saved["added_tokens"].size(), c["added_tokens_count"].get<size_t>());
    json changed = json::array();
    for (const json& t : saved["added_tokens"]) {
      bool known = false;
      for (const json& s : source["added_tokens"]) known = known || s == t;
      if (!known) changed.push_back(t);
    }
    EXPECT_EQ(changed, c["new_added_tokens"]);
    json saved_rest = saved, source_rest = source;
    saved_rest.erase("added_tokens");
    source_rest.erase("added_tokens");
    EXPECT_TRUE(saved_rest == source_rest) << "tokenizer.json changed outside added_tokens";
    // Pretty-printed as HF writes it: one field a line.
    EXPECT_CONTAINS(out.read("tokenizer.json"), "\n  \"added_tokens\": [\n    {\n      \"id\": ");

    // tokenizer_config.json: every added token by id, and the new list.
    const json cfg = read_json(out / "tokenizer_config.json");
    const json& decoder = cfg["added_tokens_decoder"];
    EXPECT_EQ(decoder.size(), saved["added_tokens"].size());
    for (const json& t : saved["added_tokens"]) {
      const json& d = decoder[std::to_string(t["id"].get<int>())];
      EXPECT_EQ(d, (json{{"content", t["content"]}, {"lstrip", t["lstrip"]}, {"normalized", t["normalized"]},
                         {"rstrip", t["rstrip"]}, {"single_word", t["single_word"]}, {"special", t["special"]}}));
    }
    EXPECT_EQ(cfg["additional_special_tokens"], json(c["calls"].back()));
    // special_tokens_map.json: the list as AddedToken states (no "special").
    const json map = read_json(out / "special_tokens_map.json");
    ASSERT_EQ(map["additional_special_tokens"].size(), c["calls"].back().size());
    for (size_t i = 0; i < c["calls"].back().size(); ++i)
      EXPECT_EQ(map["additional_special_tokens"][i],
                (json{{"content", c["calls"].back()[i]}, {"lstrip", false}, {"normalized", false}, {"rstrip", false},
                      {"single_word", false}}));
  }
}

TEST(SaveTokenizer, ConfigFilesAreWrittenAsTransformersWritesThem) {
  Tokenizer tok = load("mistral_v01_sp32k");
  tok.add_special_tokens({"<MEM0>", "<SEP>"});
  ragforge::testing::ScratchDir out;
  tok.save(out.path());
  const std::string cfg_text = out.read("tokenizer_config.json");
  const json cfg = json::parse(cfg_text);
  // The loaded keys stay, sorted (json.dumps(sort_keys=True)), with ids in numeric order.
  EXPECT_EQ(cfg["tokenizer_class"], "LlamaTokenizer");
  EXPECT_EQ(cfg["add_bos_token"], true);
  EXPECT_TRUE(cfg["pad_token"].is_null());
  EXPECT_EQ(cfg["additional_special_tokens"], (json{"<MEM0>", "<SEP>"}));
  EXPECT_LT(cfg_text.find("\"add_bos_token\""), cfg_text.find("\"added_tokens_decoder\""));
  EXPECT_LT(cfg_text.find("\"added_tokens_decoder\""), cfg_text.find("\"additional_special_tokens\""));
  EXPECT_LT(cfg_text.find("\"additional_special_tokens\""), cfg_text.find("\"bos_token\""));
  EXPECT_LT(cfg_text.find("\"2\": {"), cfg_text.find("\"32000\": {"));
  EXPECT_CONTAINS(cfg_text, "\"32001\": {\n      \"content\": \"<SEP>\",\n      \"lstrip\": false,\n"
                            "      \"normalized\": false,\n      \"rstrip\": false,\n      \"single_word\": false,\n"
                            "      \"special\": true\n    }");
  // No special_tokens_map.json was loaded: it is made from the config, added
  // tokens as their states (bos, eos, unk are added tokens here).
  const json map = read_json(out / "special_tokens_map.json");
  const json state_of_bos = {{"content", "<s>"}, {"lstrip", false}, {"normalized", false}, {"rstrip", false},
                             {"single_word", false}};
  EXPECT_EQ(map["bos_token"], state_of_bos);
  EXPECT_EQ(map["eos_token"]["content"], "</s>");
  EXPECT_EQ(map["unk_token"]["content"], "<unk>");
  EXPECT_FALSE(map.contains("pad_token"));  // null in the config
  EXPECT_EQ(map["additional_special_tokens"].size(), 2u);
}

TEST(SaveTokenizer, ChatTemplateOverrideIsSaved) {
  Tokenizer tok = load("qwen3");
  tok.set_chat_template("{{ messages[0]['content'] }}");
  tok.add_special_tokens({"<MEM0>"});
  ragforge::testing::ScratchDir out;
  tok.save(out.path());
  EXPECT_EQ(out.read("chat_template.jinja"), "{{ messages[0]['content'] }}");
  EXPECT_EQ(Tokenizer::from_dir(out.path()).chat_template(), "{{ messages[0]['content'] }}");
}

TEST(SaveTokenizer, FromFileWritesAConfigForTheAddedTokens) {
  const std::string src = testing_files::tokenizer_dir("llama3_1");
  ASSERT_FALSE(src.empty()) << testing_files::missing_message("llama3_1");
  Tokenizer tok = Tokenizer::from_file(src + "/tokenizer.json");
  ASSERT_EQ(tok.add_special_tokens({"<MEM0>"}), 1u);
  ragforge::testing::ScratchDir out;
  tok.save(out.path());
  const json cfg = read_json(out / "tokenizer_config.json");
  EXPECT_EQ(cfg["added_tokens_decoder"]["128256"]["content"], "<MEM0>");
  EXPECT_EQ(cfg["additional_special_tokens"], (json{"<MEM0>"}));
  EXPECT_EQ(Tokenizer::from_dir(out.path()).token_to_id("<MEM0>"), 128256);
}

// ---- json_text ---------------------------------------------------------------

TEST(JsonText, FindsTopLevelMembersOnly) {
  const std::string text = R"( {"a": {"added_tokens": 1, "s": "}\"{"}, "added_tokens" : [1, [2], "]"] , "z": null})";
  const auto span = json_text::find_member(text, "added_tokens", "t.json");
  ASSERT_TRUE(span);
  EXPECT_EQ(text.substr(span->begin, span->end - span->begin), R"([1, [2], "]"])");
  const auto z = json_text::find_member(text, "z", "t.json");
  ASSERT_TRUE(z);
  EXPECT_EQ(text.substr(z->begin, z->end - z->begin), "null");
  EXPECT_FALSE(json_text::find_member(text, "s", "t.json"));
  EXPECT_FALSE(json_text::find_member("{}", "a", "t.json"));
}

TEST(JsonText, ReplacesOrInsertsAMember) {
  EXPECT_EQ(json_text::replace_member(R"({"a": 1, "b": [2]})", "b", "[]", "t.json"), R"({"a": 1, "b": []})");
  EXPECT_EQ(json::parse(json_text::replace_member(R"({"a": 1})", "b", "[3]", "t.json")), json::parse(R"({"b": [3], "a": 1})"));
  EXPECT_EQ(json::parse(json_text::replace_member("{ }", "b", "2", "t.json")), json::parse(R"({"b": 2})"));
}

TEST(JsonText, MalformedTextIsAnError) {
  for (const char* bad : {"[1]", R"({"a" 1})", R"({"a": "x)", R"({"a": [1, 2)", R"({"a": 1 "b": 2})"}) {
    SCOPED_TRACE(bad);
    try {
      json_text::find_member(bad, "b", "t.json");
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_CONTAINS(e.what(), "t.json: ");
    }
  }
}

}  // namespace
}  // namespace ragforge::tokenizer
