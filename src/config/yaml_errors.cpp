#include "config/yaml_errors.h"

#include <cstdio>

#include "core/utf8.h"

namespace ragforge::config {

namespace {

bool is_break(char32_t c) { return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029; }
bool is_blank_or_end(const std::u32string& s, size_t i) {
  return i >= s.size() || s[i] == ' ' || s[i] == '\t' || is_break(s[i]);
}

// The character index of a mark (YAML 1.1 line breaks: \r\n, \r, \n, NEL,
// LS, PS), or s.size() when it lies past the end.
size_t index_of(const std::u32string& s, const YamlMark& m) {
  size_t line = 0, i = 0;
  while (i < s.size() && line < m.line) {
    if (is_break(s[i])) {
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      ++line;
    }
    ++i;
  }
  for (size_t col = 0; col < m.column && i < s.size() && !is_break(s[i]); ++col) ++i;
  return i;
}

// Python's repr() of a one-character string.
std::string py_repr_char(char32_t c) {
  if (c == '\'') return "\"'\"";
  if (c == '\\') return "'\\\\'";
  if (c == '\t') return "'\\t'";
  if (c == '\n') return "'\\n'";
  if (c == '\r') return "'\\r'";
  if (c == 0) return "'\\x00'";
  char buf[16];
  if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
    std::snprintf(buf, sizeof buf, "'\\x%02x'", static_cast<unsigned>(c));
    return buf;
  }
  std::string out = "'";
  append_utf8(out, c);
  return out + "'";
}

// What PyYAML's scanner would call the token at the mark, as %r prints it.
// `new_collection`: a key or entry there starts a collection whatever its
// column (as at the top level).
std::string token_at(const std::u32string& s, const YamlMark& mark, const YamlMark& context_mark, bool block,
                     bool new_collection = false, bool flow = false) {
  const size_t i = index_of(s, mark);
  if (i >= s.size()) return "'<stream end>'";
  const char32_t c = s[i];
  if (block && c != ':') {
    // A key or an entry deeper than the collection starts a nested one.
    size_t e = i;
    while (e < s.size() && !is_break(s[e])) ++e;
    const std::u32string line = s.substr(i, e - i);
    const bool entry = c == '-' && is_blank_or_end(s, i + 1);
    bool key = false;
    for (size_t k = 0; k < line.size() && !entry; ++k)
      if (line[k] == ':' && (k + 1 == line.size() || line[k + 1] == ' ' || line[k + 1] == '\t')) key = true;
    const bool deeper = new_collection || mark.column > context_mark.column;
    if (entry) return deeper ? "'<block sequence start>'" : "'-'";
    if (key) return deeper ? "'<block mapping start>'" : "'?'";
  }
  if (mark.column == 0 && s.size() - i >= 3 && is_blank_or_end(s, i + 3)) {
    if (s.compare(i, 3, U"---") == 0) return "'<document start>'";
    if (s.compare(i, 3, U"...") == 0) return "'<document end>'";
  }
  switch (c) {
    case ':': case ',': case '[': case ']': case '{': case '}': return "'" + std::string(1, static_cast<char>(c)) + "'";
    case '?':  // in flow context '?' always starts a key
      return flow || is_blank_or_end(s, i + 1) ? "'?'" : "'<scalar>'";
    case '-': return is_blank_or_end(s, i + 1) ? "'-'" : "'<scalar>'";
    case '*': return "'<alias>'";
    case '&': return "'<anchor>'";
    case '!': return "'<tag>'";
    case '%': return mark.column == 0 ? "'<directive>'" : "'<scalar>'";
    default: return "'<scalar>'";
  }
}

// PyYAML's %r of the character at the mark ('\0' at the end of the text).
std::string char_at(const std::u32string& s, const YamlMark& mark) {
  const size_t i = index_of(s, mark);
  return py_repr_char(i < s.size() ? s[i] : U'\0');
}

}  // namespace

std::string yaml_mark_text(const std::string& source, const YamlMark& m) {
  return "  in \"" + source + "\", line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1);
}

std::string yaml_error_text(const std::string& source, const std::string& context, const YamlMark* context_mark,
                            const std::string& problem, const YamlMark* problem_mark) {
  std::string out;
  const auto add = [&out](const std::string& line) { out += (out.empty() ? "" : "\n") + line; };
  if (!context.empty()) add(context);
  if (context_mark && (problem.empty() || !problem_mark || context_mark->line != problem_mark->line ||
                       context_mark->column != problem_mark->column))
    add(yaml_mark_text(source, *context_mark));
  if (!problem.empty()) add(problem);
  if (problem_mark) add(yaml_mark_text(source, *problem_mark));
  return out;
}

void pyyaml_wording(std::string_view text, std::string* context, const YamlMark& context_mark,
                    std::string* problem, YamlMark* problem_mark) {
  const std::u32string s = decode_utf8_lossless(text);
  const std::string p = *problem;
  // At the end of a text without a final line break libyaml moves its mark
  // to a virtual next line; PyYAML's stays at the real end.
  if (!s.empty() && !is_break(s.back()) && problem_mark->column == 0) {
    YamlMark end;
    for (size_t i = 0; i < s.size(); ++i) {
      if (is_break(s[i])) {
        if (!(s[i] == '\n' && i > 0 && s[i - 1] == '\r')) ++end.line;
        end.column = 0;
      } else {
        ++end.column;
      }
    }
    if (problem_mark->line == end.line + 1) *problem_mark = end;
  }
  if (p == "did not find expected ',' or ']'" || p == "did not find expected ',' or '}'") {
    *problem = "expected ',' or '" + std::string(p.find("']'") != std::string::npos ? "]" : "}") + "', but got " +
               token_at(s, *problem_mark, context_mark, false, false, true);
  } else if (p == "did not find expected key" || p == "did not find expected '-' indicator") {
    *problem = "expected <block end>, but found " + token_at(s, *problem_mark, context_mark, true);
  } else if (p == "did not find expected node content") {
    const bool flow = context && *context == "while parsing a flow node";
    *problem = "expected the node content, but found " + token_at(s, *problem_mark, context_mark, false, false, flow);
  } else if (p == "did not find expected <document start>") {
    // A key or entry here would open a new top-level collection.
    const YamlMark before_everything{0, 0};
    *problem = "expected '<document start>', but found " +
               (problem_mark->column > 0 ? token_at(s, *problem_mark, before_everything, false)
                                         : token_at(s, *problem_mark, YamlMark{0, 0}, true, true));
  } else if (p == "did not find expected alphabetic or numeric character") {
    *problem = "expected alphabetic or numeric character, but found " + char_at(s, *problem_mark);
  } else if (p == "did not find expected comment or line break") {
    *problem = "expected a comment or a line break, but found " + char_at(s, *problem_mark);
  } else if (p == "block sequence entries are not allowed in this context") {
    *problem = "sequence entries are not allowed here";
  } else if (p == "mapping values are not allowed in this context") {
    *problem = "mapping values are not allowed here";
  } else if (p == "found character that cannot start any token") {
    const size_t i = index_of(s, *problem_mark);
    if (i < s.size()) *problem = "found character " + py_repr_char(s[i]) + " that cannot start any token";
  } else if (p == "found unknown escape character" && context && *context == "while parsing a quoted scalar") {
    *context = "while scanning a double-quoted scalar";
    const size_t i = index_of(s, *problem_mark);
    if (i + 1 < s.size()) {
      *problem = "found unknown escape character " + py_repr_char(s[i + 1]);
      problem_mark->column += 1;
    }
  } else if (context && *context == "while parsing a quoted scalar") {
    *context = "while scanning a double-quoted scalar";  // only those have escapes
  }
}

}  // namespace ragforge::config
