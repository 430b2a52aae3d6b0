// Batches (padding, truncation), vocabulary look-ups, invalid UTF-8 and
// tokenizer_config.json handling, on the real tokenizers.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "tokenizer_files.h"

namespace ragforge::tokenizer {
namespace {

Tokenizer load(const std::string& name) {
  const std::string dir = testing_files::tokenizer_dir(name);
  if (dir.empty()) throw std::runtime_error(testing_files::missing_message(name));
  return Tokenizer::from_dir(dir);
}

TEST(Batch, PadsRightWithPadTokenAndZeroAttention) {
  const Tokenizer tok = load("qwen3");
  Tokenizer::BatchOptions opts;
  const auto batch = tok.encode_batch({"Hello world", "Hello", ""}, opts, false);
  ASSERT_EQ(batch.size(), 3u);
  const int32_t pad = *tok.token_to_id("<|endoftext|>");
  EXPECT_EQ(tok.pad_token_id(), pad);
  EXPECT_EQ(batch[0].ids, (std::vector<int32_t>{9707, 1879}));
  EXPECT_EQ(batch[1].ids, (std::vector<int32_t>{9707, pad}));
  EXPECT_EQ(batch[1].attention_mask, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(batch[1].special_tokens_mask, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(batch[1].tokens, (std::vector<std::string>{"Hello", "<|endoftext|>"}));
  EXPECT_EQ(batch[2].ids, (std::vector<int32_t>{pad, pad}));
  EXPECT_EQ(batch[2].attention_mask, (std::vector<int32_t>{0, 0}));
}

TEST(Batch, PadsLeft) {
  const Tokenizer tok = load("qwen3");
  Tokenizer::BatchOptions opts;
  opts.pad_left = true;
  const auto batch = tok.encode_batch({"Hello world", "Hello"}, opts, false);
  const int32_t pad = *tok.pad_token_id();
  EXPECT_EQ(batch[1].ids, (std::vector<int32_t>{pad, 9707}));
  EXPECT_EQ(batch[1].attention_mask, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(batch[1].special_tokens_mask, (std::vector<int32_t>{1, 0}));
}

TEST(Batch, TruncatesFromTheRightCountingSpecialTokens) {
  const Tokenizer tok = load("llama3_1");  // post-processor adds <|begin_of_text|>
  Tokenizer::BatchOptions opts;
  opts.truncation = true;
  opts.max_length = 3;
  opts.pad = false;
  const auto full = tok.encode("one two three four", true);
  ASSERT_EQ(full.ids.size(), 5u);
  const auto batch = tok.encode_batch({"one two three four", "one"}, opts, true);
  EXPECT_EQ(batch[0].ids, (std::vector<int32_t>{full.ids[0], full.ids[1], full.ids[2]}));
  EXPECT_EQ(batch[0].special_tokens_mask, (std::vector<int32_t>{1, 0, 0}));
  EXPECT_EQ(batch[1].ids.size(), 2u);  // not padded

  opts.max_length = 2;
  const auto plain = tok.encode_batch({"one two three four"}, opts, false);
  EXPECT_EQ(plain[0].ids, (std::vector<int32_t>{full.ids[1], full.ids[2]}));
}

TEST(Batch, TruncationAndPaddingTogether) {
  const Tokenizer tok = load("qwen3");
  Tokenizer::BatchOptions opts;
  opts.truncation = true;
  opts.max_length = 4;
  const auto batch = tok.encode_batch({"a b c d e f g", "a", "a b"}, opts, false);
  for (const auto& e : batch) {
    EXPECT_EQ(e.ids.size(), 4u);
    EXPECT_EQ(e.tokens.size(), 4u);
    EXPECT_EQ(e.attention_mask.size(), 4u);
  }
  EXPECT_EQ(batch[2].attention_mask, (std::vector<int32_t>{1, 1, 0, 0}));
}

TEST(Batch, RaggedBatchWithoutPadTokenIsAClearError) {
  const Tokenizer tok = load("mistral_v01_sp32k");  // pad_token is null
  EXPECT_FALSE(tok.pad_token());
  Tokenizer::BatchOptions opts;
  try {
    tok.encode_batch({"Hello world", "Hello"}, opts, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no pad token"), std::string::npos) << e.what();
  }
  opts.pad = false;
  EXPECT_EQ(tok.encode_batch({"Hello world", "Hello"}, opts, false).size(), 2u);
  opts.pad = true;
  EXPECT_EQ(tok.encode_batch({"same", "same"}, opts, false).size(), 2u);  // nothing to pad
}

TEST(Batch, TruncationWithoutMaxLengthIsAnError) {
  const Tokenizer tok = load("qwen3");
  Tokenizer::BatchOptions opts;
  opts.truncation = true;
  EXPECT_THROW(tok.encode_batch({"x"}, opts), Error);
}

TEST(Vocab, TokenToIdAndBack) {
  const Tokenizer tok = load("qwen3");
  EXPECT_EQ(tok.token_to_id("Hello"), 9707);
  EXPECT_EQ(tok.token_to_id("Ġworld"), 1879);
  EXPECT_EQ(tok.id_to_token(1879), "Ġworld");
  EXPECT_EQ(tok.token_to_id("<|im_start|>"), 151644);
  EXPECT_EQ(tok.id_to_token(151644), "<|im_start|>");
  EXPECT_EQ(tok.token_to_id("definitely not a token"), std::nullopt);
  EXPECT_EQ(tok.id_to_token(-1), std::nullopt);
  EXPECT_EQ(tok.id_to_token(10'000'000), std::nullopt);
  EXPECT_TRUE(tok.is_special_token(151644));
  EXPECT_FALSE(tok.is_special_token(151667));  // <think> is added but not special
  EXPECT_FALSE(tok.is_special_token(9707));
  EXPECT_EQ(tok.vocab_size(false), 151643u);
  EXPECT_EQ(tok.vocab_size(true), 151669u);
}

TEST(Vocab, DecodeSkipsUnknownIds) {
  const Tokenizer tok = load("qwen3");
  EXPECT_EQ(tok.decode({9707, 99'999'999, 1879}), "Hello world");
}

TEST(Config, FromDirReadsSpecialTokensAndTemplate) {
  const Tokenizer qwen = load("qwen3");
  EXPECT_EQ(qwen.eos_token(), "<|im_end|>");
  EXPECT_EQ(qwen.pad_token(), "<|endoftext|>");
  EXPECT_FALSE(qwen.bos_token());
  EXPECT_FALSE(qwen.unk_token());
  EXPECT_FALSE(qwen.add_bos_token());
  EXPECT_NE(qwen.chat_template().find("<|im_start|>"), std::string::npos);

  const Tokenizer mistral = load("mistral_v01_sp32k");
  EXPECT_EQ(mistral.bos_token(), "<s>");
  EXPECT_EQ(mistral.unk_token(), "<unk>");
  EXPECT_TRUE(mistral.add_bos_token());
  EXPECT_FALSE(mistral.add_eos_token());

  // from_file knows nothing of tokenizer_config.json.
  const Tokenizer bare = Tokenizer::from_file(testing_files::tokenizer_dir("qwen3") + "/tokenizer.json");
  EXPECT_FALSE(bare.eos_token());
  EXPECT_EQ(bare.chat_template(), "");
  EXPECT_EQ(bare.pad_token_id(), std::nullopt);
}

TEST(Utf8, SanitizeReplacesMaximalInvalidSubsequences) {
  std::string storage;
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(unicode::sanitize_utf8("ok", storage), "ok");
  EXPECT_EQ(unicode::sanitize_utf8("a\xFF" "b", storage), "a" + fffd + "b");
  EXPECT_EQ(unicode::sanitize_utf8("\xF0\x9F\x98", storage), fffd);            // truncated 4-byte sequence
  EXPECT_EQ(unicode::sanitize_utf8("\xF0\x9F\x98" "x", storage), fffd + "x");
  EXPECT_EQ(unicode::sanitize_utf8("\xED\xA0\x80", storage), fffd + fffd + fffd);  // surrogate
  EXPECT_EQ(unicode::sanitize_utf8("\xC0\xAF", storage), fffd + fffd);          // overlong
  EXPECT_EQ(unicode::sanitize_utf8("\xE2\x82", storage), fffd);
  EXPECT_EQ(unicode::sanitize_utf8("\x80\x80", storage), fffd + fffd);
  EXPECT_EQ(unicode::sanitize_utf8(std::string("a\0b", 3), storage), std::string("a\0b", 3));
}

TEST(Utf8, InvalidInputEncodesLikeItsLossyConversion) {
  for (const std::string name : {"qwen3", "llama3_1", "mistral_v01_sp32k"}) {
    SCOPED_TRACE(name);
    const Tokenizer tok = load(name);
    const std::string bad = "caf\xC3 \xFF\xFE ok \xF0\x9F\xA4";
    const std::string lossy = "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD ok \xEF\xBF\xBD";
    const auto a = tok.encode(bad, true), b = tok.encode(lossy, true);
    EXPECT_EQ(a.ids, b.ids);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(tok.decode(a.ids, true), lossy);
  }
}

TEST(Utf8, DecodingPartialBytesGivesReplacementCharacters) {
  const Tokenizer qwen = load("qwen3");
  const auto ids = qwen.encode("𓀀", false).ids;  // several byte-level tokens
  ASSERT_GT(ids.size(), 1u);
  EXPECT_EQ(qwen.decode({ids[0]}), "\xEF\xBF\xBD");
  const Tokenizer mistral = load("mistral_v01_sp32k");
  const auto mids = mistral.encode("🤗", false).ids;  // ▁ then four <0x..> byte tokens
  ASSERT_EQ(mids.size(), 5u);
  EXPECT_EQ(mistral.decode({mids[0], mids[1], mids[2]}), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(mistral.decode(mids), "🤗");
}

TEST(Threads, ConcurrentEncodesAgree) {
  const Tokenizer tok = load("llama3_1");
  const std::string text = "The quick brown fox jumps over the lazy dog 1234567 times. ";
  const auto expected = tok.encode(text + text + text, true).ids;
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      int good = 0;
      for (int i = 0; i < 200; ++i) good += tok.encode(text + text + text, true).ids == expected;
      ok[size_t(t)] = good;
    });
  for (auto& th : threads) th.join();
  for (int g : ok) EXPECT_EQ(g, 200);
}

}  // namespace
}  // namespace ragforge::tokenizer
