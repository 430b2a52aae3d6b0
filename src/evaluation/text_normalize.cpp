#include "evaluation/text_normalize.h"

#include <unicode/bytestream.h>  // icu::StringByteSink
#include <unicode/casemap.h>     // icu::CaseMap::utf8ToLower
#include <unicode/uchar.h>       // u_charType, UCHAR_NUMERIC_TYPE

#include "core/error.h"
#include "core/utf8.h"

namespace ragforge::evaluation {
namespace {

// string.punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
bool is_ascii_punctuation(char32_t cp) {
  return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
         (cp >= 0x7B && cp <= 0x7E);
}

std::u32string decode_or_throw(std::string_view text) {
  std::u32string out;
  size_t bad = 0;
  if (!decode_utf8(text, out, &bad))
    throw Error("normalize_text: invalid UTF-8 at byte " + std::to_string(bad) + " of the text");
  return out;
}

// re.sub(r"\b(a|an|the)\b", " ", s): each match is an article with a word
// boundary on both sides, judged on the original text; the scan resumes
// after a match.
std::u32string remove_articles(const std::u32string& s) {
  static const std::u32string kArticles[] = {U"a", U"an", U"the"};
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    bool matched = false;
    if ((s[i] == U'a' || s[i] == U't') && (i == 0 || !is_python_word_char(s[i - 1]))) {
      for (const auto& article : kArticles) {
        const size_t end = i + article.size();
        if (end <= s.size() && s.compare(i, article.size(), article) == 0 &&
            (end == s.size() || !is_python_word_char(s[end]))) {
          out.push_back(U' ');
          i = end;
          matched = true;
          break;
        }
      }
    }
    if (!matched) out.push_back(s[i++]);
  }
  return out;
}

}  // namespace

bool is_python_whitespace(char32_t cp) {
  // Bidirectional class WS, B or S, or category Zs (Python's _PyUnicode_IsWhitespace).
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D:
    case 0x1C: case 0x1D: case 0x1E: case 0x1F: case 0x20:
    case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_python_word_char(char32_t cp) {
  if (cp == U'_') return true;
  if (cp < 0x80) return (cp >= U'0' && cp <= U'9') || (cp >= U'a' && cp <= U'z') || (cp >= U'A' && cp <= U'Z');
  const auto c = static_cast<UChar32>(cp);
  switch (u_charType(c)) {  // str.isalpha(): categories Lu, Ll, Lt, Lm, Lo
    case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER: case U_OTHER_LETTER:
      return true;
    default:  // isdecimal() / isdigit() / isnumeric(): any numeric type
      return u_getIntPropertyValue(c, UCHAR_NUMERIC_TYPE) != U_NT_NONE;
  }
}

std::string python_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  icu::StringByteSink<std::string> sink(&out);
  UErrorCode status = U_ZERO_ERROR;
  // The root locale: full mappings (İ -> i̇) and the Final_Sigma context, as
  // Python's str.lower(); no Turkish or Lithuanian rules.
  icu::CaseMap::utf8ToLower("", 0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), sink, nullptr,
                            status);
  if (U_FAILURE(status)) throw Error(std::string("normalize_text: lower-casing failed: ") + u_errorName(status));
  return out;
}

std::string normalize_text(std::string_view text) {
  decode_or_throw(text);  // ICU would pass ill-formed bytes through; refuse them instead
  const std::u32string lowered = decode_or_throw(python_lower(text));

  std::u32string no_punct;
  no_punct.reserve(lowered.size());
  for (char32_t cp : lowered)
    if (!is_ascii_punctuation(cp)) no_punct.push_back(cp);

  const std::u32string no_articles = remove_articles(no_punct);

  std::string out;  // " ".join(s.split())
  out.reserve(no_articles.size());
  bool in_token = false;
  for (char32_t cp : no_articles) {
    if (is_python_whitespace(cp)) {
      in_token = false;
      continue;
    }
    if (!in_token && !out.empty()) out.push_back(' ');
    in_token = true;
    append_utf8(out, cp);
  }
  return out;
}

std::vector<std::string> split_tokens(std::string_view normalized) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < normalized.size()) {
    size_t end = normalized.find(' ', start);
    if (end == std::string_view::npos) end = normalized.size();
    if (end > start) tokens.emplace_back(normalized.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

}  // namespace ragforge::evaluation
