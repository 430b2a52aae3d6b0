// UTF-8 and Unicode helpers shared by the tokenizer pipeline. The character
// predicates follow Rust's `char` methods, which HF tokenizers uses.
#pragma once
#include "core/utf8.h"
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ragforge::tokenizer::unicode {

// Decodes the code point at `s[pos]` of valid UTF-8 and returns its byte length
// in `len`.
inline char32_t decode(std::string_view s, size_t pos, size_t& len) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) {
    len = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    len = 2;
    return (char32_t(b0 & 0x1F) << 6) | (static_cast<unsigned char>(s[pos + 1]) & 0x3F);
  }
  if (b0 < 0xF0) {
    len = 3;
    return (char32_t(b0 & 0x0F) << 12) | (char32_t(static_cast<unsigned char>(s[pos + 1]) & 0x3F) << 6) |
           (static_cast<unsigned char>(s[pos + 2]) & 0x3F);
  }
  len = 4;
  return (char32_t(b0 & 0x07) << 18) | (char32_t(static_cast<unsigned char>(s[pos + 1]) & 0x3F) << 12) |
         (char32_t(static_cast<unsigned char>(s[pos + 2]) & 0x3F) << 6) |
         (static_cast<unsigned char>(s[pos + 3]) & 0x3F);
}

// Byte length of the UTF-8 sequence that starts with `lead` (valid UTF-8).
inline size_t char_len(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// Byte offset of the start of the last code point of non-empty valid UTF-8.
inline size_t last_char_start(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

using ragforge::append_utf8;  // core/utf8.h

// Like Rust's String::from_utf8_lossy: every maximal invalid subsequence
// becomes U+FFFD. Returns `in` itself when it is valid (no copy), otherwise
// fills `storage` and returns a view of it.
std::string_view sanitize_utf8(std::string_view in, std::string& storage);
bool is_valid_utf8(std::string_view in);

// Rust char::is_whitespace (the White_Space property).
inline bool is_whitespace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}
bool is_alphanumeric(char32_t c);  // Rust char::is_alphanumeric
bool is_numeric(char32_t c);       // Rust char::is_numeric (Nd, Nl, No)
bool is_punctuation(char32_t c);   // ASCII punctuation or general category P*
bool is_word_char(char32_t c);     // regex \w: Alphabetic, M, Nd, Pc, Join_Control

enum class NormalForm { NFC, NFD, NFKC, NFKD };
void normalize(std::string& s, NormalForm form);
// Whether normalize(s, form) would leave `s` as it is.
bool is_normalized(std::string_view s, NormalForm form);
// The characters of `s` normalized, each with the alignment change HF's
// unicode-normalization-alignments reports (0: replaces the next original
// character; 1: inserted; -n: replaces one and removes n more), computed as
// that crate does: per-character decomposition (first character 0, the others
// 1), canonical reordering, then canonical composition (a composite of k and
// c takes change(k) + change(c) - 1). Offsets only; normalize() stays the
// reference for the text.
std::vector<std::pair<char32_t, int>> normalize_with_changes(std::string_view s, NormalForm form);
bool is_combining_mark(char32_t c);  // general category M* (Rust's is_combining_mark)
void to_lowercase(std::string& s);  // Rust str::to_lowercase
// Drops combining marks (M*); true when the first character was one.
bool strip_accents(std::string& s);

}  // namespace ragforge::tokenizer::unicode
