#include "tokenizer/alignment.h"

#include <algorithm>

#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {

void init_aligned(std::string_view text, size_t base, AlignedText& out) {
  out.text.assign(text.data(), text.size());
  out.base = base;
  out.align.resize(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t len = unicode::char_len(static_cast<unsigned char>(text[i]));
    const Offsets span{base + i, base + i + len};
    for (size_t k = 0; k < len && i + k < text.size(); ++k) out.align[i + k] = span;
    i += len;
  }
}

Offsets inserted_alignment(const AlignedText& s, size_t at) {
  if (at < 1 || s.align.empty()) return {s.base, s.base};
  return s.align[std::min(at, s.align.size()) - 1];
}

void transform_aligned(AlignedText& s, const std::vector<std::pair<char32_t, int>>& dest) {
  AlignedText out;
  out.base = s.base;
  out.text.reserve(s.text.size() + s.text.size() / 2);
  out.align.reserve(s.align.size() + s.align.size() / 2);
  size_t offset = 0;  // the next original character, in bytes of s.text
  auto skip_char = [&] {
    if (offset < s.text.size()) offset += unicode::char_len(static_cast<unsigned char>(s.text[offset]));
  };
  for (const auto& [c, change] : dest) {
    Offsets a;
    if (change > 0) {
      a = inserted_alignment(s, offset);
    } else if (offset < s.align.size()) {
      a = s.align[offset];
    } else {
      a = s.align.empty() ? Offsets{s.base, s.base} : s.align.back();
    }
    if (change <= 0) skip_char();
    for (int k = 0; k < -change; ++k) skip_char();
    unicode::append_utf8(out.text, c);
    out.align.resize(out.text.size(), a);
  }
  s = std::move(out);
}

}  // namespace ragforge::tokenizer
