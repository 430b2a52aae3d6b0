// The patterns of Split pre-tokenizers and Replace normalizers/decoders: a
// literal string or an Oniguruma regex, which HF tokenizers uses. The regex is
// translated to RE2 (Oniguruma's Unicode \s, \d, \w; named groups) and the one
// lookahead the GPT-4-style patterns need, `\s+(?!\S)`, is emulated exactly
// (see pattern.cpp); any other lookaround is refused with a clear error.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ragforge::tokenizer {

using Span = std::pair<size_t, size_t>;  // [start, end) byte offsets

class Pattern {
 public:
  // {"String": "..."} or {"Regex": "..."}; `where` names the component for errors.
  static Pattern from_json(const nlohmann::json& j, const std::string& where);
  static Pattern literal(std::string text);
  static Pattern regex(const std::string& oniguruma, const std::string& where);

  // Appends the non-overlapping matches in `text`, left to right, as Oniguruma
  // would find them (empty matches included).
  void find_all(std::string_view text, std::vector<Span>& out) const;

  struct Regex;

 private:
  std::string literal_;
  std::shared_ptr<const Regex> regex_;
};

// Exposed for tests: the RE2 form of an Oniguruma pattern without lookaround.
std::string translate_oniguruma(std::string_view pattern, const std::string& where);

}  // namespace ragforge::tokenizer
