// Tokenizer offsets (encode_with_offsets / encode_ids_offsets): byte spans of
// the input as HF tokenizers' Rust encode() reports them.
//
// There are no HF offset goldens in the tree, so: invariants on every golden
// string (the same ids as encode(), spans inside the text and never going
// back, special tokens at (0, 0), and on the three real tokenizers the spans
// cover the text and each stretch of tokens decodes to its slice), plus exact
// expectations for a few strings per tokenizer. The exact values were checked
// against HF tokenizers 0.22 (the napi build @anush008/tokenizers 0.6.0 that
// scripts/bench-tokenizer.sh installs; it reports character offsets, here
// turned into bytes).
#include <gtest/gtest.h>


#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "tokenizer_files.h"

namespace ragforge::tokenizer {
namespace {

using nlohmann::json;
using Spans = std::vector<Tokenizer::Offsets>;

std::vector<std::string> golden_texts(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) texts.push_back(json::parse(line)["text"].get<std::string>());
  return texts;
}

Tokenizer load(const std::string& name) {
  const std::string dir = testing_files::tokenizer_dir(name);
  if (dir.empty()) throw std::runtime_error(testing_files::missing_message(name));
  return Tokenizer::from_dir(dir);
}

// What encode_with_offsets must agree with, and what holds for any tokenizer.
void expect_basic_invariants(const Tokenizer& tok, const std::string& text, bool monotone) {
  for (const bool special : {false, true}) {
    SCOPED_TRACE(special ? "with special tokens" : "without special tokens");
    const auto plain = tok.encode(text, special);
    const auto enc = tok.encode_with_offsets(text, special);
    EXPECT_TRUE(plain.offsets.empty()) << "encode() stays without offsets";
    EXPECT_EQ(enc.ids, plain.ids);
    EXPECT_EQ(enc.tokens, plain.tokens);
    EXPECT_EQ(enc.special_tokens_mask, plain.special_tokens_mask);
    ASSERT_EQ(enc.offsets.size(), enc.ids.size());
    Spans offsets;
    EXPECT_EQ(tok.encode_ids_offsets(text, offsets, special), enc.ids);
    EXPECT_EQ(offsets, enc.offsets);
    for (size_t i = 0; i < enc.offsets.size(); ++i) {
      const auto [start, end] = enc.offsets[i];
      EXPECT_LE(start, end) << i;
      EXPECT_LE(end, text.size()) << i;
      if (enc.special_tokens_mask[i]) {
        EXPECT_EQ(enc.offsets[i], Tokenizer::Offsets(0, 0)) << i;
        continue;
      }
      if (!monotone || i == 0) continue;
      size_t prev = i - 1;
      while (prev > 0 && enc.special_tokens_mask[prev]) --prev;
      if (enc.special_tokens_mask[prev]) continue;
      EXPECT_LE(enc.offsets[prev].first, start) << i;
      EXPECT_LE(enc.offsets[prev].second, end) << i;
    }
  }
}

// The text of one token as the model sees it: byte-level characters back to
// bytes, "▁" to a space, <0xXX> to its byte; added tokens as they are.
std::string token_bytes(const std::string& token, bool sentencepiece) {
  if (!sentencepiece) {
    std::string out;
    for (size_t i = 0; i < token.size();) {
      size_t len;
      const int b = byte_level::char_to_byte(unicode::decode(token, i, len));
      if (b < 0) return token;  // an added token
      out += static_cast<char>(b);
      i += len;
    }
    return out;
  }
  if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>')
    return std::string(1, static_cast<char>(std::stoi(token.substr(3, 2), nullptr, 16)));
  std::string out;
  const std::string meta = "\xE2\x96\x81";
  for (size_t i = 0; i < token.size();) {
    if (token.compare(i, meta.size(), meta) == 0) {
      out += ' ';
      i += meta.size();
    } else {
      out += token[i++];
    }
  }
  return out;
}

// On a lossless pipeline: the spans cover every byte of the text, and every
// stretch of tokens that share bytes (the pieces of one character) spells its
// slice of the text (SentencePiece may add the one "▁" it prepends).
void expect_spans_spell_the_text(const Tokenizer& tok, const std::string& text, bool sentencepiece) {
  const auto enc = tok.encode_with_offsets(text, false);
  size_t covered = 0;
  for (size_t i = 0; i < enc.ids.size();) {
    size_t j = i + 1;
    size_t end = enc.offsets[i].second;
    std::string bytes = token_bytes(enc.tokens[i], sentencepiece);
    while (j < enc.ids.size() && enc.offsets[j].first < end) {
      bytes += token_bytes(enc.tokens[j], sentencepiece);
      end = std::max(end, enc.offsets[j].second);
      ++j;
    }
    const size_t start = enc.offsets[i].first;
    EXPECT_EQ(start, covered) << "a gap before token " << i;
    const std::string slice = text.substr(start, end - start);
    if (sentencepiece && bytes == " " + slice) bytes.erase(0, 1);  // the prepended "▁"
    EXPECT_EQ(bytes, slice) << "tokens " << i << ".." << j;
    covered = end;
    i = j;
  }
  EXPECT_EQ(covered, text.size());
}

class RealOffsets : public ::testing::TestWithParam<std::string> {};

TEST_P(RealOffsets, GoldenStringsKeepTheInvariants) {
  const std::string name = GetParam();
  const Tokenizer tok = load(name);
  const bool sentencepiece = name == "mistral_v01_sp32k";
  const auto texts = golden_texts(testing_files::golden_path(name + ".jsonl"));
  ASSERT_GE(texts.size(), 30u);
  for (const std::string& text : texts) {
    SCOPED_TRACE(json(text).dump(-1, ' ', false, json::error_handler_t::replace));
    expect_basic_invariants(tok, text, true);
    if (!unicode::is_valid_utf8(text)) continue;  // offsets index the U+FFFD text
    // Qwen3's NFC composes characters, whose spans then miss the marks (as in HF).
    if (name == "qwen3" && !unicode::is_normalized(text, unicode::NormalForm::NFC)) continue;
    expect_spans_spell_the_text(tok, text, sentencepiece);
  }
}

class ChatOffsets : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatOffsets, RenderedChatPromptsSpellTheirText) {
  const std::string name = GetParam();
  const Tokenizer tok = load(name);
  std::ifstream in(testing_files::golden_path("chat_" + name + ".jsonl"));
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::string text = json::parse(line)["rendered"].get<std::string>();
    expect_basic_invariants(tok, text, true);
    expect_spans_spell_the_text(tok, text, false);
    ++n;
  }
  EXPECT_GE(n, 3u);
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, RealOffsets, ::testing::Values("qwen3", "llama3_1", "mistral_v01_sp32k"));
INSTANTIATE_TEST_SUITE_P(Tokenizers, ChatOffsets, ::testing::Values("qwen3", "llama3_1"));  // the chat goldens

using testing_files::synthetic_names;

class SyntheticOffsets : public ::testing::TestWithParam<std::string> {};

TEST_P(SyntheticOffsets, GoldenStringsKeepTheInvariants) {
  const std::string base = testing_files::golden_path("synthetic/" + GetParam());
  const Tokenizer tok = Tokenizer::from_file(base + ".tokenizer.json");
  // RobertaProcessing's trim_offsets can move a start past the next token's (as in HF).
  const bool monotone = GetParam() != "byte_level_roberta";
  const auto texts = golden_texts(base + ".jsonl");
  ASSERT_GE(texts.size(), 20u);
  for (const std::string& text : texts) {
    SCOPED_TRACE(json(text).dump(-1, ' ', false, json::error_handler_t::replace));
    expect_basic_invariants(tok, text, monotone);
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, SyntheticOffsets, ::testing::ValuesIn(synthetic_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

Spans offsets_of(const Tokenizer& tok, const std::string& text, bool special = false) {
  return tok.encode_with_offsets(text, special).offsets;
}

TEST(Offsets, MistralSentencePiece) {
  const Tokenizer tok = load("mistral_v01_sp32k");
  // The prepended "▁" of "▁Hello" maps to "H"; "▁world" takes the space it replaced; <s> is (0, 0).
  EXPECT_EQ(tok.encode_with_offsets("Hello world", true).tokens,
            (std::vector<std::string>{"<s>", "\xE2\x96\x81Hello", "\xE2\x96\x81world"}));
  EXPECT_EQ(offsets_of(tok, "Hello world", true), (Spans{{0, 0}, {0, 5}, {5, 11}}));
  EXPECT_EQ(offsets_of(tok, "  Hello   world "), (Spans{{0, 1}, {1, 7}, {7, 9}, {9, 15}, {15, 16}}));
  // Byte fallback: "🤗" is "▁" then <0xF0><0x9F><0xA4><0x97>; every piece gets the whole character,
  // and so does the lone prepended "▁".
  const auto hug = tok.encode_with_offsets("\xF0\x9F\xA4\x97", false);
  EXPECT_EQ(hug.tokens, (std::vector<std::string>{"\xE2\x96\x81", "<0xF0>", "<0x9F>", "<0xA4>", "<0x97>"}));
  EXPECT_EQ(hug.offsets, (Spans{{0, 4}, {0, 4}, {0, 4}, {0, 4}, {0, 4}}));
  // Multi-byte characters in the vocabulary: "héllo 日本".
  EXPECT_EQ(offsets_of(tok, "h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC"),
            (Spans{{0, 1}, {1, 3}, {3, 5}, {5, 6}, {6, 7}, {7, 10}, {10, 13}}));
  // An added token in the text is its match; the text after it gets its own "▁".
  const auto added = tok.encode_with_offsets("a<s>b", false);
  EXPECT_EQ(added.ids, (std::vector<int32_t>{264, 1, 287}));
  EXPECT_EQ(added.offsets, (Spans{{0, 1}, {1, 4}, {4, 5}}));
  // Phi-3's marker as plain text: "▁<" covers the space before it.
  const auto marker = tok.encode_with_offsets("[/INST] <|assistant|>\nWilliam", false);
  EXPECT_EQ(marker.ids, (std::vector<int32_t>{733, 28748, 16289, 28793, 523, 28766, 489, 11143, 28766, 28767, 13,
                                              12695, 2643}));
  EXPECT_EQ(marker.offsets, (Spans{{0, 1}, {1, 2}, {2, 6}, {6, 7}, {7, 9}, {9, 10}, {10, 13}, {13, 19}, {19, 20},
                                   {20, 21}, {21, 22}, {22, 26}, {26, 29}}));
}

TEST(Offsets, Qwen3ByteLevel) {
  const Tokenizer tok = load("qwen3");
  EXPECT_EQ(offsets_of(tok, "Hello world"), (Spans{{0, 5}, {5, 11}}));
  // Added tokens and the model text between them.
  EXPECT_EQ(offsets_of(tok, "<|im_start|>user\nHi<|im_end|>\n"),
            (Spans{{0, 12}, {12, 16}, {16, 17}, {17, 19}, {19, 29}, {29, 30}}));
  // "héllo 日本": "él" is 3 bytes, " 日" 4.
  EXPECT_EQ(offsets_of(tok, "h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC"),
            (Spans{{0, 1}, {1, 4}, {4, 6}, {6, 10}, {10, 13}}));
  // NFC: "e" + U+0301 becomes "é", which HF aligns to the "e" alone.
  const auto nfc = tok.encode_with_offsets("e\xCC\x81x", false);
  EXPECT_EQ(nfc.ids, (std::vector<int32_t>{963, 87}));
  EXPECT_EQ(nfc.offsets, (Spans{{0, 1}, {3, 4}}));
  // "ﬁne Σ straße": "Σ" is split into two byte-level tokens, " Σ" and the rest of "Σ".
  EXPECT_EQ(offsets_of(tok, "\xEF\xAC\x81ne \xCE\xA3 stra\xC3\x9F" "e"),
            (Spans{{0, 3}, {3, 5}, {5, 8}, {6, 8}, {8, 12}, {12, 13}, {13, 16}}));
}

TEST(Offsets, Llama31ByteLevel) {
  const Tokenizer tok = load("llama3_1");
  EXPECT_EQ(offsets_of(tok, "Hello world", true), (Spans{{0, 0}, {0, 5}, {5, 11}}));
  // A character split over several byte-level tokens: each gets all of it.
  const auto hug = tok.encode_with_offsets("\xF0\x9F\xA4\x97", true);
  EXPECT_EQ(hug.ids, (std::vector<int32_t>{128000, 9468, 97, 245}));
  EXPECT_EQ(hug.offsets, (Spans{{0, 0}, {0, 4}, {0, 4}, {0, 4}}));
  EXPECT_EQ(offsets_of(tok, "\xEF\xAC\x81ne \xCE\xA3 stra\xC3\x9F" "e"),
            (Spans{{0, 3}, {0, 3}, {3, 5}, {5, 8}, {8, 13}, {13, 16}}));
  EXPECT_EQ(offsets_of(tok, "<|start_header_id|>assistant<|end_header_id|>\n\nHi"),
            (Spans{{0, 19}, {19, 28}, {28, 45}, {45, 47}, {47, 49}}));
}

TEST(Offsets, SyntheticNormalizersAndAddedTokenFlags) {
  const std::string dir = testing_files::golden_path("synthetic/");
  // NFKC + Lowercase + Strip + Replace, WhitespaceSplit/Punctuation/Digits: the stripped
  // spaces belong to no token; "ﬁ" (NFKC "fi") gives both letters its span.
  const Tokenizer norm = Tokenizer::from_file(dir + "normalizers_prefix.tokenizer.json");
  EXPECT_EQ(offsets_of(norm, "  Hello   world "), (Spans{{2, 7}, {10, 11}, {11, 12}, {12, 13}, {13, 14}, {14, 15}}));
  EXPECT_EQ(offsets_of(norm, "\xEF\xAC\x81ne \xCE\xA3 stra\xC3\x9F" "e"),
            (Spans{{0, 3}, {0, 4}, {4, 5}, {6, 8}, {9, 10}, {10, 11}, {11, 12}, {12, 13}, {13, 15}, {15, 16}}));
  // An lstrip+rstrip added token takes the whitespace it absorbed.
  const Tokenizer meta = Tokenizer::from_file(dir + "metaspace_first.tokenizer.json");
  EXPECT_EQ(offsets_of(meta, "x <mask>"), (Spans{{0, 1}, {0, 1}, {1, 8}}));
  EXPECT_EQ(offsets_of(meta, "Hi <mask> there"),
            (Spans{{0, 1}, {1, 2}, {2, 10}, {10, 11}, {11, 12}, {12, 13}, {13, 14}, {14, 15}}));
  // RobertaProcessing with trim_offsets: spaces leave the spans ("Ġ" tokens become empty), the
  // lstrip token's absorbed space too; cls/sep are (0, 0).
  const Tokenizer roberta = Tokenizer::from_file(dir + "byte_level_roberta.tokenizer.json");
  EXPECT_EQ(offsets_of(roberta, "Hi <mask> there", true),
            (Spans{{0, 0}, {0, 0}, {0, 1}, {1, 2}, {3, 9}, {10, 13}, {13, 14}, {14, 15}, {0, 0}}));
  EXPECT_EQ(offsets_of(roberta, "a<s>b"), (Spans{{0, 1}, {1, 4}, {5, 5}, {4, 5}}));
}

TEST(Offsets, BatchPadsWithEmptySpans) {
  const Tokenizer tok = load("qwen3");
  Tokenizer::BatchOptions opts;
  opts.offsets = true;
  const auto batch = tok.encode_batch({"Hello world", "Hello"}, opts, false);
  EXPECT_EQ(batch[0].offsets, (Spans{{0, 5}, {5, 11}}));
  EXPECT_EQ(batch[1].offsets, (Spans{{0, 5}, {0, 0}}));
  opts.offsets = false;
  EXPECT_TRUE(tok.encode_batch({"Hello world"}, opts, false)[0].offsets.empty());
}

TEST(Offsets, TruncationKeepsOffsetsWithTheirIds) {
  const Tokenizer tok = load("llama3_1");
  Tokenizer::BatchOptions opts;
  opts.offsets = true;
  opts.truncation = true;
  opts.max_length = 3;
  opts.pad = false;
  const auto batch = tok.encode_batch({"one two three four"}, opts, true);
  EXPECT_EQ(batch[0].offsets, (Spans{{0, 0}, {0, 3}, {3, 7}}));
}

}  // namespace
}  // namespace ragforge::tokenizer
