#include "tokenizer/json_text.h"

#include "core/error.h"

namespace ragforge::tokenizer::json_text {

namespace {

struct Scanner {
  std::string_view text;
  const std::string& where;

  [[noreturn]] void fail(size_t at, const char* what) const {
    throw Error(where + ": " + what + " at byte " + std::to_string(at));
  }
  size_t skip_space(size_t i) const {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    return i;
  }
  // text[i] is '"': the index after the closing quote.
  size_t skip_string(size_t i) const {
    for (++i; i < text.size(); ++i) {
      if (text[i] == '\\')
        ++i;
      else if (text[i] == '"')
        return i + 1;
    }
    fail(i, "unterminated string");
  }
  size_t skip_value(size_t i) const {
    if (i >= text.size()) fail(i, "missing value");
    if (text[i] == '"') return skip_string(i);
    if (text[i] == '{' || text[i] == '[') {
      int depth = 0;
      while (i < text.size()) {
        const char c = text[i];
        if (c == '"') {
          i = skip_string(i);
          continue;
        }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') --depth;
        ++i;
        if (depth == 0) return i;
      }
      fail(i, "unterminated object or list");
    }
    const size_t start = i;  // a number, true, false or null
    while (i < text.size() && std::string_view(",}] \t\n\r").find(text[i]) == std::string_view::npos) ++i;
    if (i == start) fail(i, "missing value");
    return i;
  }
};

}  // namespace

std::optional<Span> find_member(std::string_view text, std::string_view key, const std::string& where) {
  const Scanner s{text, where};
  size_t i = s.skip_space(0);
  if (i >= text.size() || text[i] != '{') s.fail(i, "expected a JSON object");
  i = s.skip_space(i + 1);
  if (i < text.size() && text[i] == '}') return std::nullopt;
  while (true) {
    if (i >= text.size() || text[i] != '"') s.fail(i, "expected a member name");
    const size_t name_end = s.skip_string(i);
    const std::string_view name = text.substr(i + 1, name_end - i - 2);
    i = s.skip_space(name_end);
    if (i >= text.size() || text[i] != ':') s.fail(i, "expected ':'");
    const size_t value_begin = s.skip_space(i + 1);
    const size_t value_end = s.skip_value(value_begin);
    if (name == key) return Span{value_begin, value_end};
    i = s.skip_space(value_end);
    if (i < text.size() && text[i] == '}') return std::nullopt;
    if (i >= text.size() || text[i] != ',') s.fail(i, "expected ',' or '}'");
    i = s.skip_space(i + 1);
  }
}

std::string replace_member(std::string_view text, std::string_view key, std::string_view value,
                           const std::string& where) {
  std::string out;
  if (const auto span = find_member(text, key, where)) {
    out.reserve(text.size() - (span->end - span->begin) + value.size());
    out.append(text.substr(0, span->begin)).append(value).append(text.substr(span->end));
    return out;
  }
  const size_t open = text.find('{');  // find_member checked that the object opens here
  size_t after = open + 1;
  while (after < text.size() && (text[after] == ' ' || text[after] == '\t' || text[after] == '\n' || text[after] == '\r'))
    ++after;
  const bool empty = after < text.size() && text[after] == '}';
  out.append(text.substr(0, open + 1)).append("\n  \"").append(key).append("\": ").append(value);
  out.append(empty ? "\n" : ",\n  ").append(text.substr(after));
  return out;
}

}  // namespace ragforge::tokenizer::json_text
