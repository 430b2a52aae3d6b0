#include "processing/normalize_text.h"

#include <cstring>

#include "core/utf8.h"
#include "tokenizer/unicode.h"

namespace ragforge::processing {
namespace {

// str.isspace(): bidirectional class WS, B or S, or category Zs.
bool python_isspace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_ascii_punctuation(char32_t c) {
  return c < 0x80 && std::strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", static_cast<int>(c)) != nullptr && c != 0;
}

}  // namespace

std::string normalize_text(const std::string& s) {
  std::string lowered = s;
  tokenizer::unicode::to_lowercase(lowered);
  std::u32string text;
  for (char32_t c : decode_utf8_lossless(lowered))
    if (!is_ascii_punctuation(c)) text += c;

  // \b(a|an|the)\b: a whole word (a maximal run of \w characters) equal to
  // an article becomes one space.
  std::u32string no_articles;
  for (size_t i = 0; i < text.size();) {
    if (!tokenizer::unicode::is_word_char(text[i])) {
      no_articles += text[i++];
      continue;
    }
    size_t j = i;
    while (j < text.size() && tokenizer::unicode::is_word_char(text[j])) ++j;
    const std::u32string word = text.substr(i, j - i);
    no_articles += (word == U"a" || word == U"an" || word == U"the") ? std::u32string(U" ") : word;
    i = j;
  }

  std::string out;
  bool pending_space = false;
  for (char32_t c : no_articles) {
    if (python_isspace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    append_utf8(out, c);
  }
  return out;
}

}  // namespace ragforge::processing
