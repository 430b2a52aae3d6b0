#include "evaluation/python_regex.h"

#include <cctype>

#include "core/error.h"

namespace ragforge::evaluation {
namespace {

// str.isspace() (text_normalize.h is_python_whitespace), as class contents.
constexpr const char* kWhitespace =
    "\\t\\n\\x0B\\f\\r\\x1C-\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}"
    "\\x{3000}";
// str.isalnum() or "_": letters and every character with a numeric value,
// which in Unicode are exactly the N categories.
constexpr const char* kWord = "\\p{L}\\p{N}_";

bool hex_digits(std::string_view s, size_t from, size_t count) {
  if (from + count > s.size()) return false;
  for (size_t i = from; i < from + count; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

[[noreturn]] void no_class_form(std::string_view pattern, char escape) {
  throw Error(std::string("pattern '") + std::string(pattern) + "': \\" + escape +
              " inside [...] has no RE2 form (ragforge matches Python patterns with RE2); write it as an "
              "alternative outside the class, e.g. (?:\\" + escape + "|[...])");
}

}  // namespace

std::string python_pattern_to_re2(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  size_t class_body = 0;  // where the class's items start (a "]" there is a literal)
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[i + 1];
      i += 2;
      switch (e) {
        case 'd': out += "\\p{Nd}"; break;
        case 'D': out += "\\P{Nd}"; break;
        case 's': out += in_class ? std::string(kWhitespace) : std::string("[") + kWhitespace + "]"; break;
        case 'w': out += in_class ? std::string(kWord) : std::string("[") + kWord + "]"; break;
        case 'S':
          if (in_class) no_class_form(p, e);
          out += std::string("[^") + kWhitespace + "]";
          break;
        case 'W':
          if (in_class) no_class_form(p, e);
          out += std::string("[^") + kWord + "]";
          break;
        case 'Z': out += in_class ? "\\Z" : "\\z"; break;  // Python rejects \Z in a class, and so does RE2
        case 'u':
        case 'U': {
          const size_t digits = e == 'u' ? 4 : 8;
          if (hex_digits(p, i, digits)) {
            out += "\\x{" + std::string(p.substr(i, digits)) + "}";
            i += digits;
          } else {
            out += '\\';
            out += e;  // RE2 reports the bad escape
          }
          break;
        }
        default:
          out += '\\';
          out += e;
      }
      continue;
    }
    if (in_class) {
      if (c == ']' && i != class_body) in_class = false;
      out += c;
      ++i;
      continue;
    }
    out += c;
    ++i;
    if (c == '[') {
      in_class = true;
      if (i < p.size() && p[i] == '^') out += p[i++];
      class_body = i;
    }
  }
  return out;
}

}  // namespace ragforge::evaluation
