#include "tokenizer/byte_level.h"

#include "tokenizer/unicode.h"

namespace ragforge::tokenizer::byte_level {
namespace {

struct Tables {
  std::array<std::string, 256> to_char;
  std::array<char32_t, 256> cp{};
  Tables() {
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      cp[b] = printable ? char32_t(b) : char32_t(256 + extra++);
      unicode::append_utf8(to_char[b], cp[b]);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::array<std::string, 256>& byte_to_char() { return tables().to_char; }

void encode(std::string_view bytes, std::string& out) {
  const auto& t = tables().to_char;
  out.reserve(out.size() + bytes.size() * 2);
  for (char c : bytes) out += t[static_cast<unsigned char>(c)];
}

int char_to_byte(char32_t c) {
  if ((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255)) return static_cast<int>(c);
  if (c >= 256 && c < 256 + 68) {
    // The 68 remapped bytes, in order: 0-32, 127-160, 173.
    const int k = static_cast<int>(c) - 256;
    if (k <= 32) return k;
    if (k <= 32 + 34) return 127 + (k - 33);
    return 173;
  }
  return -1;
}

}  // namespace ragforge::tokenizer::byte_level
