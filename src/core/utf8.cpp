#include "core/utf8.h"

namespace ragforge {

namespace {
// Length of the valid sequence at in[i], or 0 when it is not valid UTF-8.
size_t valid_sequence(std::string_view in, size_t i, char32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(in[i + k]); };
  const unsigned char c0 = b(0);
  if (c0 < 0x80) { cp = c0; return 1; }
  size_t len = 0;
  char32_t min = 0;
  if (c0 >= 0xC2 && c0 <= 0xDF) { len = 2; cp = c0 & 0x1F; min = 0x80; }
  else if (c0 >= 0xE0 && c0 <= 0xEF) { len = 3; cp = c0 & 0x0F; min = 0x800; }
  else if (c0 >= 0xF0 && c0 <= 0xF4) { len = 4; cp = c0 & 0x07; min = 0x10000; }
  else return 0;
  if (in.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}
}  // namespace

bool decode_utf8(std::string_view in, std::u32string& out, size_t* bad_offset) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    char32_t cp = 0;
    const size_t len = valid_sequence(in, i, cp);
    if (len == 0) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    out.push_back(cp);
    i += len;
  }
  return true;
}

std::u32string decode_utf8_lossless(std::string_view in) {
  std::u32string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    char32_t cp = 0;
    const size_t len = valid_sequence(in, i, cp);
    if (len == 0) {
      out.push_back(0xDC00 + static_cast<unsigned char>(in[i]));
      ++i;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char32_t cp : in) append_utf8(out, cp);
  return out;
}

}  // namespace ragforge
