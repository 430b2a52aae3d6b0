// The RE2 translation of Oniguruma patterns, and above all the emulation of
// the `\s+(?!\S)` lookahead, against a backtracking engine (std::regex
// ECMAScript has lookahead) on random ASCII strings.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/pattern.h"

namespace ragforge::tokenizer {
namespace {

std::vector<Span> ours(const std::string& pattern, const std::string& text) {
  std::vector<Span> out;
  Pattern::regex(pattern, "test").find_all(text, out);
  return out;
}

std::vector<Span> reference(const std::string& pattern, const std::string& text) {
  const std::regex re(pattern, std::regex::ECMAScript);
  std::vector<Span> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.emplace_back(size_t(it->position()), size_t(it->position() + it->length()));
  return out;
}

std::string show(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\n') o += "\\n";
    else if (c == '\r') o += "\\r";
    else if (c == '\t') o += "\\t";
    else if (c == '\v') o += "\\v";
    else o += c;
  }
  return o;
}

// ASCII forms of the GPT-2, Qwen2/3 and Llama 3 patterns (std::regex has no
// \p{..} and no (?i:..)), and patterns that put the lookahead elsewhere.
const char* const kPatterns[] = {
    R"('s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+)",
    R"('[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]| ?[^\sA-Za-z0-9]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
    R"('[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]{1,3}| ?[^\sA-Za-z0-9]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
    R"(\s+(?!\S))",
    R"(\s+(?!\S)|[a-z]+)",
    R"(a|\s+(?!\S)|\s)",
    R"([A-Za-z]+|\s+(?!\S)|\s[0-9]|\s)",
};

TEST(PatternLookahead, MatchesBacktrackingEngineOnRandomText) {
  const std::string alphabet[] = {"a", "B", "s", "'", "1", "2", " ", " ", " ", "\t", "\n", "\r", "!", ".", "\v", "ab"};
  std::mt19937 rng(20240601);
  for (const char* pattern : kPatterns) {
    SCOPED_TRACE(pattern);
    int failures = 0;
    for (int n = 0; n < 1500 && failures < 5; ++n) {
      std::string text;
      const int len = int(rng() % 24);
      for (int i = 0; i < len; ++i) text += alphabet[rng() % std::size(alphabet)];
      const auto want = reference(pattern, text), got = ours(pattern, text);
      if (want != got) {
        ++failures;
        ADD_FAILURE() << "text \"" << show(text) << "\"";
      }
    }
  }
}

TEST(PatternLookahead, KnownCases) {
  const std::string gpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  // The run before a word keeps all but its last space; a trailing run stays whole.
  EXPECT_EQ(ours(gpt2, "a   b  "), (std::vector<Span>{{0, 1}, {1, 3}, {3, 5}, {5, 7}}));
  EXPECT_EQ(ours(gpt2, " "), (std::vector<Span>{{0, 1}}));
  // Unicode whitespace counts as \s, as in Oniguruma (U+3000, U+00A0); only
  // an ASCII space joins the word after it.
  EXPECT_EQ(ours(gpt2, "x\xE3\x80\x80\xC2\xA0y"), (std::vector<Span>{{0, 1}, {1, 4}, {4, 6}, {6, 7}}));
}

TEST(PatternTranslation, OnigurumaEscapes) {
  EXPECT_EQ(translate_oniguruma(R"(\d+)", "t"), R"(\p{Nd}+)");
  EXPECT_EQ(translate_oniguruma(R"(\p{^L})", "t"), R"(\P{L})");
  EXPECT_EQ(translate_oniguruma(R"((?<word>a))", "t"), R"((?P<word>a))");
  // \w is UTS #18's word class, as in Oniguruma: ZWJ and Ⓐ are in, ² is not.
  std::vector<Span> w;
  Pattern::regex(R"(\w+)", "t").find_all("a\xE2\x80\x8D" "b\xE2\x92\xB6_\xD9\xA3\xC2\xB2" "x", w);
  EXPECT_EQ(w, (std::vector<Span>{{0, 11}, {13, 14}}));
  std::vector<Span> m;
  Pattern::regex(R"([^\S\n]+)", "t").find_all("a \t\nb\xE2\x80\x83", m);  // \S inside a class
  EXPECT_EQ(m, (std::vector<Span>{{1, 3}, {5, 8}}));
  EXPECT_THROW(translate_oniguruma(R"((a)\1)", "t"), Error);
  EXPECT_THROW(Pattern::regex(R"(a(?=b))", "t"), Error);
  EXPECT_THROW(Pattern::regex(R"((?>a))", "t"), Error);
}

TEST(PatternLiteral, FindsNonOverlappingOccurrences) {
  std::vector<Span> m;
  Pattern::literal("aa").find_all("aaaaa", m);
  EXPECT_EQ(m, (std::vector<Span>{{0, 2}, {2, 4}}));
  m.clear();
  Pattern::literal("").find_all("abc", m);
  EXPECT_TRUE(m.empty());
}

}  // namespace
}  // namespace ragforge::tokenizer
