// Hydra's wording for rejected overrides (see override_hydra_errors.h).
#include "config/override_hydra_errors.h"

namespace ragforge::config::override_detail {
namespace {

constexpr const char* kSeeAlso = "\nSee https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details";

// Python indexes the override by code point, not byte.
size_t code_points(std::string_view s, size_t bytes) {
  size_t n = 0;
  for (size_t i = 0; i < bytes && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

std::string hydra_lexer_error(std::string_view input, size_t byte_offset) {
  const std::string prefix = "LexerNoViableAltException: ";
  // Hydra: '^'.rjust(len(prefix) + startIndex + 1)
  std::string caret(prefix.size() + code_points(input, byte_offset), ' ');
  return prefix + std::string(input) + "\n" + caret + "^" + kSeeAlso;
}

std::string hydra_bare_error(const std::string& antlr_message) { return antlr_message + kSeeAlso; }

std::string hydra_prefixed_error(std::string_view input, const std::string& message) {
  return "Error parsing override '" + std::string(input) + "'\n" + message + kSeeAlso;
}

std::string antlr_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + "'";
}

}  // namespace ragforge::config::override_detail
