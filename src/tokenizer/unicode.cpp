#include "tokenizer/unicode.h"

#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>

#include "core/error.h"

namespace ragforge::tokenizer::unicode {

namespace {

// Length of the well-formed sequence at s[i] (Unicode Table 3-7), or 0 with
// `valid_prefix` set to how many bytes form a maximal valid prefix (>= 1).
size_t well_formed_len(std::string_view s, size_t i, size_t& valid_prefix) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 == 0xE0) {
    need = 2, lo = 0xA0;
  } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    need = 2;
  } else if (b0 == 0xED) {
    need = 2, hi = 0x9F;
  } else if (b0 == 0xF0) {
    need = 3, lo = 0x90;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    need = 3;
  } else if (b0 == 0xF4) {
    need = 3, hi = 0x8F;
  } else {
    valid_prefix = 1;
    return 0;
  }
  for (size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) {
      valid_prefix = k;
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) {
      valid_prefix = k;
      return 0;
    }
  }
  return need + 1;
}

}  // namespace

bool is_valid_utf8(std::string_view in) {
  size_t i = 0, prefix = 0;
  while (i < in.size()) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= in.size()) {
      uint64_t w;
      __builtin_memcpy(&w, in.data() + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= in.size()) break;
    const size_t n = well_formed_len(in, i, prefix);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string_view sanitize_utf8(std::string_view in, std::string& storage) {
  if (is_valid_utf8(in)) return in;
  storage.clear();
  storage.reserve(in.size() + 16);
  size_t i = 0;
  while (i < in.size()) {
    size_t prefix = 0;
    const size_t n = well_formed_len(in, i, prefix);
    if (n) {
      storage.append(in.data() + i, n);
      i += n;
    } else {
      storage.append("\xEF\xBF\xBD");
      i += prefix;
    }
  }
  return storage;
}

bool is_alphanumeric(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_ALPHABETIC) || is_numeric(c);
}

bool is_numeric(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  const int8_t t = u_charType(static_cast<UChar32>(c));
  return t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER || t == U_OTHER_NUMBER;
}

bool is_punctuation(char32_t c) {
  if (c < 0x80) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_P_MASK) != 0;
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  const auto u = static_cast<UChar32>(c);
  return u_hasBinaryProperty(u, UCHAR_ALPHABETIC) || (U_GET_GC_MASK(u) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) ||
         u_hasBinaryProperty(u, UCHAR_JOIN_CONTROL);
}

namespace {

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

void check(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) throw Error(std::string("ICU ") + what + " failed: " + u_errorName(status));
}

const icu::Normalizer2* instance(NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = nullptr;
  switch (form) {
    case NormalForm::NFC: n = icu::Normalizer2::getNFCInstance(status); break;
    case NormalForm::NFD: n = icu::Normalizer2::getNFDInstance(status); break;
    case NormalForm::NFKC: n = icu::Normalizer2::getNFKCInstance(status); break;
    case NormalForm::NFKD: n = icu::Normalizer2::getNFKDInstance(status); break;
  }
  check(status, "normalizer");
  return n;
}

}  // namespace

void normalize(std::string& s, NormalForm form) {
  if (is_ascii(s)) return;  // ASCII is invariant under all four forms
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = instance(form);
  if (n->isNormalizedUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), status) && U_SUCCESS(status))
    return;
  status = U_ZERO_ERROR;
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  icu::StringByteSink<std::string> sink(&out);
  n->normalizeUTF8(0, icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), sink, nullptr, status);
  check(status, "normalization");
  s.swap(out);
}

void to_lowercase(std::string& s) {
  if (is_ascii(s)) {
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return;
  }
  UErrorCode status = U_ZERO_ERROR;
  std::string out;
  out.reserve(s.size());
  icu::StringByteSink<std::string> sink(&out);
  icu::CaseMap::utf8ToLower("", 0, icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), sink, nullptr,
                            status);
  check(status, "lowercasing");
  s.swap(out);
}

namespace {

struct Decomposed {
  char32_t c;
  uint8_t ccc;
  int change;
};

}  // namespace

bool is_normalized(std::string_view s, NormalForm form) {
  if (is_ascii(s)) return true;
  UErrorCode status = U_ZERO_ERROR;
  const bool yes =
      instance(form)->isNormalizedUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), status);
  return U_SUCCESS(status) && yes;
}

std::vector<std::pair<char32_t, int>> normalize_with_changes(std::string_view s, NormalForm form) {
  const bool compat = form == NormalForm::NFKC || form == NormalForm::NFKD;
  const bool compose = form == NormalForm::NFC || form == NormalForm::NFKC;
  const icu::Normalizer2* decomposer = instance(compat ? NormalForm::NFKD : NormalForm::NFD);
  const icu::Normalizer2* composer = instance(NormalForm::NFC);
  // Decomposition, then canonical ordering: each run of non-starters sorted
  // (stably) by combining class, as the crate's Decompositions does.
  std::vector<Decomposed> d;
  d.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len;
    const char32_t c = decode(s, i, len);
    i += len;
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString out = decomposer->normalize(icu::UnicodeString(static_cast<UChar32>(c)), status);
    check(status, "normalization");
    int change = 0;
    for (int32_t k = 0; k < out.length();) {
      const UChar32 cp = out.char32At(k);
      k += U16_LENGTH(cp);
      d.push_back({char32_t(cp), static_cast<uint8_t>(u_getCombiningClass(cp)), change});
      change = 1;
    }
  }
  for (size_t i = 0; i < d.size();) {
    if (d[i].ccc == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < d.size() && d[j].ccc != 0) ++j;
    std::stable_sort(d.begin() + std::ptrdiff_t(i), d.begin() + std::ptrdiff_t(j),
                     [](const Decomposed& a, const Decomposed& b) { return a.ccc < b.ccc; });
    i = j;
  }
  std::vector<std::pair<char32_t, int>> out;
  out.reserve(d.size());
  if (!compose) {
    for (const Decomposed& x : d) out.emplace_back(x.c, x.change);
    return out;
  }
  // The crate's Recompositions: a starter waits as the composee; later
  // characters compose with it unless blocked; the others wait in `buffer`.
  bool has_composee = false;
  std::pair<char32_t, int> composee{0, 0};
  int last_ccc = -1;  // -1: none
  std::vector<std::pair<char32_t, int>> buffer;
  for (const Decomposed& x : d) {
    if (!has_composee) {
      if (x.ccc != 0) {
        out.emplace_back(x.c, x.change);
        continue;
      }
      composee = {x.c, x.change};
      has_composee = true;
      continue;
    }
    if (last_ccc >= 0 && last_ccc >= x.ccc) {  // blocked
      if (x.ccc == 0) {
        out.push_back(composee);
        out.insert(out.end(), buffer.begin(), buffer.end());
        buffer.clear();
        composee = {x.c, x.change};
        last_ccc = -1;
        continue;
      }
      buffer.emplace_back(x.c, x.change);
      last_ccc = x.ccc;
      continue;
    }
    const UChar32 r = composer->composePair(static_cast<UChar32>(composee.first), static_cast<UChar32>(x.c));
    if (r >= 0) {
      composee = {char32_t(r), composee.second + x.change - 1};
      continue;
    }
    if (last_ccc < 0 && x.ccc == 0) {
      out.push_back(composee);
      composee = {x.c, x.change};
      continue;
    }
    buffer.emplace_back(x.c, x.change);
    last_ccc = x.ccc;
  }
  if (has_composee) out.push_back(composee);
  out.insert(out.end(), buffer.begin(), buffer.end());
  return out;
}

bool is_combining_mark(char32_t c) {
  return c >= 0x80 && (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_M_MASK) != 0;
}

bool strip_accents(std::string& s) {
  if (is_ascii(s)) return false;
  bool first_dropped = false;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len;
    const char32_t c = decode(s, i, len);
    if ((U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_M_MASK) == 0)
      out.append(s, i, len);
    else if (i == 0)
      first_dropped = true;
    i += len;
  }
  s.swap(out);
  return first_dropped;
}

}  // namespace ragforge::tokenizer::unicode
