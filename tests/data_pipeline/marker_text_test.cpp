// completion_start is found in the rendered text and mapped to tokens through
// the tokenizer's offsets (recipes.md §1.2 as implemented): a marker that is
// plain text in the chat template works on SentencePiece and byte-level BPE
// alike, where matching the marker's ids tokenized alone found nothing (the
// SentencePiece "▁" trap, shared with TRL). The family markers mask exactly as
// the id-subsequence rule did; missing and truncated markers are skipped.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/sft_data.h"
#include "data_test_util.h"

namespace ragforge::data::testing {
namespace {

namespace fs = std::filesystem;

// Phi-3-mini's chat template: the role markers are plain text.
const char* kPhi3Template =
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\\n' + "
    "message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\\n' + "
    "message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\\n' + "
    "message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}";

// Mistral-7B-Instruct-v0.2's template (as masking_test.cpp).
const char* kMistralTemplate =
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 "
    "% 2 == 0) %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% "
    "endfor %}";

std::string row(const std::string& prompt, const std::string& answer) {
  return nlohmann::json({{"prompt", prompt}, {"answers", {answer}}}).dump() + "\n";
}

// A tokenizer folder: the files of third_party_npm/<name> with `jinja` as its
// chat template and, optionally, `extra_added` appended to added_tokens.
std::string tokenizer_folder(const ScratchDir& dir, const std::string& name, const std::string& jinja,
                             const nlohmann::json& extra_added = nullptr) {
  const std::string source = tokenizer::testing_files::tokenizer_dir(name);
  std::ifstream in(source + "/tokenizer.json");
  nlohmann::json tj = nlohmann::json::parse(in);
  if (!extra_added.is_null()) tj["added_tokens"].push_back(extra_added);
  dir.write("tokenizer.json", tj.dump());
  fs::copy_file(source + "/tokenizer_config.json", dir.path() + "/tokenizer_config.json");
  dir.write("chat_template.jinja", jinja);
  return dir.path();
}

#define RAGFORGE_NEED_TOKENIZER(name)                                       \
  do {                                                                      \
    if (tokenizer::testing_files::tokenizer_dir(name).empty()) {            \
      GTEST_SKIP() << tokenizer::testing_files::missing_message(name);      \
    }                                                                       \
  } while (0)

std::string supervised_text(const tokenizer::Tokenizer& tok, const SftExample& e) {
  std::vector<int32_t> ids;
  for (size_t t = 0; t < e.labels.size(); ++t)
    if (e.labels[t] != kIgnoreIndex) ids.push_back(e.labels[t]);
  return tok.decode(ids, false);
}

size_t masked_count(const SftExample& e) {
  size_t t = 0;
  while (t < e.labels.size() && e.labels[t] == kIgnoreIndex) ++t;
  for (size_t k = t; k < e.labels.size(); ++k) EXPECT_EQ(e.labels[k], e.input_ids[k]) << k;
  return t;
}

// The token boundary is exact: the last masked token holds the marker's last
// byte, the first supervised one starts at or after the marker's end.
void expect_boundary_at_marker(const tokenizer::Tokenizer& tok, const std::string& text, const std::string& marker,
                               const SftExample& e) {
  std::vector<tokenizer::Tokenizer::Offsets> offsets;
  ASSERT_EQ(tok.encode_ids_offsets(text, offsets, false), e.input_ids);
  const size_t end = text.find(marker) + marker.size();
  const size_t masked = masked_count(e);
  ASSERT_GT(masked, 0u);
  EXPECT_LT(offsets[masked - 1].first, end);
  EXPECT_GE(offsets[masked - 1].second, end);
  if (masked < offsets.size()) {
    EXPECT_GE(offsets[masked].first, end);
  }
}

const char* kData =
    "{\"prompt\": \"Who wrote Hamlet?\", \"answers\": [\"William Shakespeare.\"]}\n"
    "{\"prompt\": \"Capital of France?\", \"answers\": [\"Paris\"]}\n"
    "{\"prompt\": \"Two plus two?\", \"answers\": [\" 4\"]}\n";

// (a) The defect: Phi-3's plain-text <|assistant|> on Mistral's SentencePiece tokenizer.
TEST(MarkerText, PlainTextMarkerOnSentencePieceKeepsEveryExample) {
  RAGFORGE_NEED_TOKENIZER("mistral_v01_sp32k");
  ScratchDir dir, tok_dir;
  const auto tok = tokenizer::Tokenizer::from_dir(tokenizer_folder(tok_dir, "mistral_v01_sp32k", kPhi3Template));
  const auto instruction = dir.write("qa.txt", "Answer briefly.");
  const auto data_file = dir.write("d.jsonl", kData);
  const auto s = settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\ninstruction: " + instruction +
                                    "\nmodel: {completion_start: '<|assistant|>'}\n");
  const auto data = load_sft_data(s, tok, "phi3", 0);
  ASSERT_EQ(data.train.size(), 3u);
  EXPECT_EQ(data.report.skipped_no_marker, 0);
  EXPECT_TRUE(data.report.warnings.empty());
  const std::string text0 =
      "<|system|>\nAnswer briefly.<|end|>\n<|user|>\nWho wrote Hamlet?<|end|>\n<|assistant|>\n"
      "William Shakespeare.<|end|>\n</s>";
  EXPECT_EQ(data.report.example0_text, text0);

  // The old rule: the marker alone is "▁<|assistant|>", which the prompt never holds.
  const auto alone = tok.encode_ids("<|assistant|>", false);
  EXPECT_EQ(alone, (std::vector<int32_t>{523, 28766, 489, 11143, 28766, 28767}));
  EXPECT_EQ(find_subsequence(data.train[0].input_ids, alone), -1);
  // The startup print shows the ids that cover the marker in example 0 ("<" without "▁").
  EXPECT_EQ(data.report.marker_ids, (std::vector<int32_t>{28789, 28766, 489, 11143, 28766, 28767}));
  EXPECT_EQ(tok.decode(data.report.marker_ids), "<|assistant|>");

  // Supervision starts with the first token after the marker: its "\n" (<0x0A>).
  const auto& e = data.train[0];
  const size_t masked = masked_count(e);
  EXPECT_EQ(e.input_ids[masked], 13);  // <0x0A>
  EXPECT_EQ(tok.decode(std::vector<int32_t>(e.input_ids.begin(), e.input_ids.begin() + static_cast<std::ptrdiff_t>(masked))),
            text0.substr(0, text0.find("<|assistant|>") + 13));
  EXPECT_EQ(supervised_text(tok, e), "\nWilliam Shakespeare.<|end|>\n</s>");
  EXPECT_EQ(supervised_text(tok, data.train[1]), "\nParis<|end|>\n</s>");
  EXPECT_EQ(supervised_text(tok, data.train[2]), "\n 4<|end|>\n</s>");
  const std::string queries[] = {"Who wrote Hamlet?", "Capital of France?", "Two plus two?"};
  const std::string answers[] = {"William Shakespeare.", "Paris", " 4"};
  for (size_t i = 0; i < 3; ++i)
    expect_boundary_at_marker(tok,
                              "<|system|>\nAnswer briefly.<|end|>\n<|user|>\n" + queries[i] +
                                  "<|end|>\n<|assistant|>\n" + answers[i] + "<|end|>\n</s>",
                              "<|assistant|>", data.train[i]);
}

// The same marker as an added token (Phi-3's own tokenizer has it, with rstrip):
// it is one token whose span also takes the "\n" it strips; the answer follows.
TEST(MarkerText, AddedTokenMarkerOnSentencePiece) {
  RAGFORGE_NEED_TOKENIZER("mistral_v01_sp32k");
  ScratchDir dir, tok_dir;
  const nlohmann::json assistant = {{"id", 32001},     {"content", "<|assistant|>"}, {"single_word", false},
                                    {"lstrip", false}, {"rstrip", true},             {"normalized", false},
                                    {"special", true}};
  const auto tok =
      tokenizer::Tokenizer::from_dir(tokenizer_folder(tok_dir, "mistral_v01_sp32k", kPhi3Template, assistant));
  const auto data_file = dir.write("d.jsonl", kData);
  const auto s = settings_from_yaml("data_file: " + data_file +
                                    "\noutput_key: answers\nmodel: {completion_start: '<|assistant|>'}\n");
  const auto data = load_sft_data(s, tok, "phi3", 0);
  ASSERT_EQ(data.train.size(), 3u);
  EXPECT_EQ(data.report.marker_ids, (std::vector<int32_t>{32001}));
  for (const auto& e : data.train) {
    const size_t masked = masked_count(e);
    EXPECT_EQ(e.input_ids[masked - 1], 32001);
    // The old rule gives the same labels here.
    EXPECT_EQ(e.labels, completion_only_labels(e.input_ids, tok.encode_ids("<|assistant|>", false)));
  }
  EXPECT_EQ(supervised_text(tok, data.train[0]), "William Shakespeare.<|end|>\n</s>");
}

// Byte-level BPE has the same trap: alone, "<|assistant|>" ends in "|>"; in the
// prompt the "\n" after it joins the ">" (a ">\n" token), so the ids never match.
TEST(MarkerText, PlainTextMarkerOnByteLevelBpe) {
  for (const std::string name : {"qwen3", "llama3_1"}) {
    SCOPED_TRACE(name);
    RAGFORGE_NEED_TOKENIZER(name);
    ScratchDir dir, tok_dir;
    const auto tok = tokenizer::Tokenizer::from_dir(tokenizer_folder(tok_dir, name, kPhi3Template));
    const auto data_file = dir.write("d.jsonl", kData);
    const auto s = settings_from_yaml("data_file: " + data_file +
                                      "\noutput_key: answers\nmodel: {completion_start: '<|assistant|>'}\n");
    const auto data = load_sft_data(s, tok, "phi3", 0);
    ASSERT_EQ(data.train.size(), 3u);
    const auto& e = data.train[0];
    EXPECT_EQ(find_subsequence(e.input_ids, tok.encode_ids("<|assistant|>", false)), -1);
    const size_t masked = masked_count(e);
    // The token holding the marker's ">" also holds the "\n": it is masked, "William" is first.
    EXPECT_EQ(tok.decode({e.input_ids[masked - 1]}), ">\n");
    EXPECT_EQ(tok.decode({e.input_ids[masked]}), "William");
    EXPECT_EQ(supervised_text(tok, e), "William Shakespeare.<|end|>\n" + *tok.eos_token());
    expect_boundary_at_marker(tok, data.report.example0_text, "<|assistant|>", e);
    EXPECT_EQ(tok.decode(data.report.marker_ids), "<|assistant|>\n");
  }
}

// (b) The family default markers mask exactly as the id-subsequence rule did.
struct Family {
  std::string tokenizer, model_type, jinja;
};

TEST(MarkerText, FamilyMarkersMaskAsTheSubsequenceRuleDid) {
  const std::vector<Family> families = {{"qwen3", "qwen3", ""}, {"llama3_1", "llama", ""},
                                        {"mistral_v01_sp32k", "mistral", kMistralTemplate}};
  const std::string rows = row("Who wrote Hamlet?", "William Shakespeare.") + row("q", "") +
                           row("Context: a b c.\nQuestion: x?", "  spaced answer") + row("multi\nline", "1\n2") +
                           row("emoji \xF0\x9F\xA4\x97 and caf\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC") +
                           row("before<|im_start|>assistant\nafter", "A") + row("[/INST] in the query", "B");
  for (const Family& f : families) {
    SCOPED_TRACE(f.tokenizer);
    RAGFORGE_NEED_TOKENIZER(f.tokenizer);
    ScratchDir dir, tok_dir;
    const auto tok = f.jinja.empty() ? tokenizer::Tokenizer::from_dir(tokenizer::testing_files::tokenizer_dir(f.tokenizer))
                                     : tokenizer::Tokenizer::from_dir(tokenizer_folder(tok_dir, f.tokenizer, f.jinja));
    const auto data_file = dir.write("d.jsonl", rows);
    const std::string instruction = f.model_type == "mistral" ? "" : "\ninstruction: " + dir.write("qa.txt", "Be brief.");
    const auto data = load_sft_data(settings_from_yaml("data_file: " + data_file + "\noutput_key: answers" + instruction + "\n"),
                                    tok, f.model_type, 0);
    const auto marker_alone = tok.encode_ids(data.report.completion_start, false);
    ASSERT_EQ(data.train.size(), 7u);
    EXPECT_EQ(data.report.marker_ids, marker_alone);
    for (size_t i = 0; i < data.train.size(); ++i) {
      const auto& e = data.train[i];
      EXPECT_EQ(e.labels, completion_only_labels(e.input_ids, marker_alone)) << "example " << i;
    }
  }
}

// (c) A text without the marker is skipped, counted and warned about once.
TEST(MarkerText, MissingMarkerIsSkippedAndCounted) {
  RAGFORGE_NEED_TOKENIZER("mistral_v01_sp32k");
  ScratchDir dir, tok_dir;
  const auto tok = tokenizer::Tokenizer::from_dir(tokenizer_folder(tok_dir, "mistral_v01_sp32k", kPhi3Template));
  const auto prompt_file = dir.write("p.txt", "{query}{output}");
  const auto data_file = dir.write("d.jsonl", row("no marker", "x") + row("Q <|assistant|>", "kept") +
                                                   row("<|assistant| almost", "y"));
  const auto data = load_sft_data(
      settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\ntemplate: " + prompt_file +
                         "\nmodel: {completion_start: '<|assistant|>'}\ndata: {append_eos: false}\n"),
      tok, "phi3", 0);
  ASSERT_EQ(data.train.size(), 1u);
  EXPECT_EQ(data.train[0].row, 1);
  EXPECT_EQ(supervised_text(tok, data.train[0]), "kept");
  EXPECT_EQ(data.report.skipped_no_marker, 2);
  // The marker's ids as the kept example holds them: after a space, "▁<".
  EXPECT_EQ(data.report.marker_ids, (std::vector<int32_t>{523, 28766, 489, 11143, 28766, 28767}));
  ASSERT_EQ(data.report.warnings.size(), 1u);
  EXPECT_EQ(data.report.warnings[0],
            "2 of 3 training examples lack the completion_start marker \"<|assistant|>\" "
            "[523, 28766, 489, 11143, 28766, 28767] and are skipped (data/skipped_no_marker); first: "
            "training example 0 (line 1)");
}

// (d) Truncation: kept while every token that starts before the marker's end survives.
TEST(MarkerText, MarkerCutByMaxSequenceLenIsSkipped) {
  RAGFORGE_NEED_TOKENIZER("mistral_v01_sp32k");
  ScratchDir dir, tok_dir;
  const auto tok = tokenizer::Tokenizer::from_dir(tokenizer_folder(tok_dir, "mistral_v01_sp32k", kPhi3Template));
  const auto data_file = dir.write("d.jsonl", row("Who wrote Hamlet?", "William Shakespeare."));
  auto load = [&](int max_len) {
    return load_sft_data(settings_from_yaml("data_file: " + data_file +
                                            "\noutput_key: answers\nmodel: {completion_start: '<|assistant|>', "
                                            "max_sequence_len: " + std::to_string(max_len) + "}\n"),
                         tok, "phi3", 0);
  };
  const auto full = load(1000);
  ASSERT_EQ(full.train.size(), 1u);
  const auto m = static_cast<int>(masked_count(full.train[0]));
  ASSERT_GT(m, 6);
  // The marker's last token (">") is cut: skipped, and the run has nothing to train on.
  const std::string msg = error_of([&] { load(m - 1); });
  EXPECT_CONTAINS(msg, "no training example contains the completion_start marker \"<|assistant|>\"");
  EXPECT_CONTAINS(msg, "or raise model.max_sequence_len");
  // Cut right after the marker: kept, with nothing supervised yet.
  const auto at = load(m);
  ASSERT_EQ(at.train.size(), 1u);
  EXPECT_EQ(at.train[0].labels, std::vector<int32_t>(static_cast<size_t>(m), kIgnoreIndex));
  // One more token: the "\n" after the marker is the one supervised token.
  const auto one = load(m + 1);
  ASSERT_EQ(one.train.size(), 1u);
  EXPECT_EQ(supervised_text(tok, one.train[0]), "\n");
  EXPECT_EQ(one.report.truncated, 1);
}

TEST(MarkerText, FindMarkerTokens) {
  // "ab|cd|ef" as tokens [0,2) [2,5) [5,8): the marker "cd" ends inside the second.
  const std::vector<std::pair<size_t, size_t>> offsets = {{0, 2}, {2, 5}, {5, 8}};
  auto m = find_marker_tokens("ab|cd|ef", "cd", offsets);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->first, 1u);
  EXPECT_EQ(m->masked, 2u);
  m = find_marker_tokens("ab|cd|ef", "b|", offsets);  // spans two tokens
  ASSERT_TRUE(m);
  EXPECT_EQ(m->first, 0u);
  EXPECT_EQ(m->masked, 2u);
  EXPECT_FALSE(find_marker_tokens("ab|cd|ef", "zz", offsets));
  EXPECT_FALSE(find_marker_tokens("ab|cd|ef", "", offsets));
  EXPECT_EQ(labels_after_marker({5, 6, 7}, 2), (std::vector<int32_t>{-100, -100, 7}));
  EXPECT_TRUE(labels_after_marker({5}, 2).empty());  // truncation cut the marker
}

}  // namespace
}  // namespace ragforge::data::testing
