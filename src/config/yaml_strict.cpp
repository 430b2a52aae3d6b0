#include "config/yaml_strict.h"

#include <yaml.h>

#include <utility>
#include <vector>

#include "core/utf8.h"

namespace ragforge::config {

namespace {

bool is_break(char32_t c) { return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029; }

struct Span {
  size_t begin = 0, end = 0;  // character indices, [begin, end)
  bool tabs_ok = false;       // quoted and block scalars keep tabs as content
  // For plain scalars inside flow collections: the innermost collection.
  bool in_flow = false;
  bool flow_is_map = false;
  YamlMark flow_mark;
};

// Token spans from libyaml's scanner, up to the end or its first error.
std::vector<Span> token_spans(std::string_view text, size_t* scanned_to) {
  std::vector<Span> spans;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return spans;
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
  *scanned_to = static_cast<size_t>(-1);
  std::vector<std::pair<bool, YamlMark>> flows;  // open flow collections: is_map, start
  for (;;) {
    yaml_token_t token;
    if (!yaml_parser_scan(&parser, &token)) {
      *scanned_to = parser.problem_mark.index;
      break;
    }
    const yaml_token_type_t type = token.type;
    const YamlMark start{token.start_mark.line, token.start_mark.column};
    if (type == YAML_FLOW_SEQUENCE_START_TOKEN || type == YAML_FLOW_MAPPING_START_TOKEN)
      flows.emplace_back(type == YAML_FLOW_MAPPING_START_TOKEN, start);
    if ((type == YAML_FLOW_SEQUENCE_END_TOKEN || type == YAML_FLOW_MAPPING_END_TOKEN) && !flows.empty())
      flows.pop_back();
    if (type != YAML_STREAM_START_TOKEN && type != YAML_STREAM_END_TOKEN &&
        token.end_mark.index > token.start_mark.index) {
      const bool plain = type == YAML_SCALAR_TOKEN && token.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
      Span span;
      span.begin = token.start_mark.index;
      span.end = token.end_mark.index;
      span.tabs_ok = type == YAML_SCALAR_TOKEN && !plain;
      if (plain && !flows.empty()) {
        span.in_flow = true;
        span.flow_is_map = flows.back().first;
        span.flow_mark = flows.back().second;
      }
      spans.push_back(span);
    }
    yaml_token_delete(&token);
    if (type == YAML_STREAM_END_TOKEN) break;
  }
  yaml_parser_delete(&parser);
  return spans;
}

}  // namespace

std::optional<YamlRejection> find_pyyaml_rejection(std::string_view text) {
  if (text.find('\t') == std::string_view::npos && text.find('?') == std::string_view::npos) return std::nullopt;
  size_t scanned_to = 0;
  const std::vector<Span> spans = token_spans(text, &scanned_to);
  const std::u32string s = decode_utf8_lossless(text);
  YamlMark mark;
  size_t span = 0;
  bool in_comment = false;
  for (size_t i = 0; i < s.size() && i < scanned_to; ++i) {
    const char32_t c = s[i];
    while (span < spans.size() && spans[span].end <= i) ++span;
    const bool in_token = span < spans.size() && spans[span].begin <= i;
    if (is_break(c)) {
      in_comment = false;
    } else if (!in_token && c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || is_break(s[i - 1]))) {
      in_comment = true;
    } else if (c == '\t' && !in_comment && !(in_token && spans[span].tabs_ok)) {
      return YamlRejection{mark, "while scanning for the next token", mark,
                           "found character '\\t' that cannot start any token"};
    } else if (c == '?' && in_token && spans[span].in_flow && i > spans[span].begin) {
      const Span& sp = spans[span];
      return YamlRejection{mark, sp.flow_is_map ? "while parsing a flow mapping" : "while parsing a flow sequence",
                           sp.flow_mark,
                           std::string("expected ',' or '") + (sp.flow_is_map ? "}" : "]") + "', but got '?'"};
    }
    if (is_break(c) && !(c == '\n' && i > 0 && s[i - 1] == '\r')) {
      ++mark.line;
      mark.column = 0;
    } else if (!is_break(c)) {
      ++mark.column;
    }
  }
  return std::nullopt;
}

}  // namespace ragforge::config
