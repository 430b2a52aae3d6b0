#include "config/yaml_emit.h"

#include <cmath>
#include <cstdint>
#include <string_view>

#include "config/python_repr.h"
#include "core/utf8.h"
#include "config/yaml_scalar.h"

namespace ragforge::config {

namespace {

constexpr int kBestIndent = 2;
constexpr int kBestWidth = 80;

bool is_break(char32_t c) { return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }
bool is_space_or_break0(char32_t c) { return c == 0 || c == ' ' || c == '\t' || c == '\r' || is_break(c); }

// A scalar as the serializer hands it to the emitter.
struct ScalarEvent {
  std::u32string value;
  const char* tag_shorthand;  // "!!str", "!!int", ... (only its length matters)
  bool implicit_plain;        // implicit[0]: a plain scalar would resolve to this tag
  char style;                 // 0 (none) or '\'' (OmegaConf asks for quotes)
};

// PyYAML Emitter.analyze_scalar.
struct Analysis {
  bool empty = false, multiline = false;
  bool allow_flow_plain = true, allow_block_plain = true, allow_single_quoted = true, allow_block = true;
};

// PyYAML's indicator sets: u'#,[]{}&*!|>\'"%@`' at the start, u',?[]{}' after.
bool starts_with_indicator(char32_t c) {
  switch (c) {
    case '#': case ',': case '[': case ']': case '{': case '}': case '&': case '*':
    case '!': case '|': case '>': case '\'': case '"': case '%': case '@': case '`': return true;
    default: return false;
  }
}
bool is_flow_indicator(char32_t c) {
  switch (c) {
    case ',': case '?': case '[': case ']': case '{': case '}': return true;
    default: return false;
  }
}

Analysis analyze(const std::u32string& s) {
  Analysis a;
  if (s.empty()) {
    a.empty = true;
    a.allow_flow_plain = false;
    a.allow_block = false;
    return a;
  }
  bool block_ind = false, flow_ind = false, line_breaks = false, special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false;
  const auto starts = [&](const char* p) {
    return s.size() >= 3 && s[0] == char32_t(p[0]) && s[1] == char32_t(p[1]) && s[2] == char32_t(p[2]);
  };
  if (starts("---") || starts("...")) block_ind = flow_ind = true;
  bool preceded_ws = true;
  bool followed_ws = s.size() == 1 || is_space_or_break0(s[1]);
  bool prev_space = false, prev_break = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t ch = s[i];
    if (i == 0) {
      if (starts_with_indicator(ch)) flow_ind = block_ind = true;
      if (ch == '?' || ch == ':') {
        flow_ind = true;
        if (followed_ws) block_ind = true;
      }
      if (ch == '-' && followed_ws) flow_ind = block_ind = true;
    } else {
      if (is_flow_indicator(ch)) flow_ind = true;
      if (ch == ':') {
        flow_ind = true;
        if (followed_ws) block_ind = true;
      }
      if (ch == '#' && preceded_ws) flow_ind = block_ind = true;
    }
    if (is_break(ch)) line_breaks = true;
    if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) {
      const bool unicode = (ch == 0x85 || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) ||
                            (ch >= 0x10000 && ch < 0x10FFFF)) &&
                           ch != 0xFEFF;
      if (!unicode) special = true;  // allow_unicode: other unicode is fine
    }
    if (ch == ' ') {
      if (i == 0) leading_space = true;
      if (i == s.size() - 1) trailing_space = true;
      if (prev_break) break_space = true;
      prev_space = true;
      prev_break = false;
    } else if (is_break(ch)) {
      if (i == 0) leading_break = true;
      if (i == s.size() - 1) trailing_break = true;
      if (prev_space) space_break = true;
      prev_space = false;
      prev_break = true;
    } else {
      prev_space = prev_break = false;
    }
    preceded_ws = is_space_or_break0(ch);
    followed_ws = i + 2 >= s.size() || is_space_or_break0(s[i + 2]);
  }
  if (leading_space || leading_break || trailing_space || trailing_break)
    a.allow_flow_plain = a.allow_block_plain = false;
  if (trailing_space) a.allow_block = false;
  if (break_space) a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = false;
  if (space_break || special) a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = a.allow_block = false;
  if (line_breaks) a.allow_flow_plain = a.allow_block_plain = false;
  if (flow_ind) a.allow_flow_plain = false;
  if (block_ind) a.allow_block_plain = false;
  a.multiline = line_breaks;
  return a;
}

// The parts of PyYAML's Emitter state machine that block-style output of
// dicts, lists and scalars goes through.
class Emitter {
 public:
  std::string finish() {
    // expect_document_end, then the stream end.
    write_indent();
    if (open_ended_) {
      write_indicator(U"...", true);
      write_indent();
    }
    return std::move(out_);
  }

  void node(const Node& n, bool root, bool sequence, bool mapping, bool simple_key) {
    root_ctx_ = root;
    mapping_ctx_ = mapping;
    simple_key_ctx_ = simple_key;
    (void)sequence;
    switch (n.type()) {
      case Node::Type::List:
        if (n.items().empty()) {
          empty_flow(U'[', U']');
        } else {
          block_sequence(n);
        }
        return;
      case Node::Type::Dict:
        if (n.entries().empty()) {
          empty_flow(U'{', U'}');
        } else {
          block_mapping(n);
        }
        return;
      default: scalar(scalar_event(n));
    }
  }

 private:
  static ScalarEvent plain_event(std::string text, const char* tag) {
    return ScalarEvent{decode_utf8_lossless(text), tag, true, 0};
  }

  // OmegaConfDumper.str_representer + Serializer's implicit flags.
  static ScalarEvent string_event(const std::string& s) {
    ScalarEvent ev{decode_utf8_lossless(s), "!!str", false, 0};
    ev.implicit_plain = resolve_plain_scalar(s, YamlResolver::PyYamlDumper) == YamlTag::Str;
    if (omegaconf_yaml_is_bool(s) || python_int_accepts(s) || python_float_accepts(s)) ev.style = '\'';
    return ev;
  }

  static ScalarEvent scalar_event(const Node& n) {
    switch (n.type()) {
      case Node::Type::Null: return plain_event("null", "!!null");
      case Node::Type::Bool: return plain_event(n.as_bool() ? "true" : "false", "!!bool");
      case Node::Type::Int: return plain_event(n.int_text(), "!!int");
      case Node::Type::Float: return plain_event(yaml_float_text(n.as_float()), "!!float");
      case Node::Type::String: return string_event(n.as_string());
      default: break;
    }
    return plain_event("null", "!!null");
  }

  static ScalarEvent key_event(const Key& k) {
    switch (k.type) {
      case Key::Type::Int: return plain_event(k.text, "!!int");
      case Key::Type::Bool: return plain_event(k.text == "true" || k.text == "True" ? "true" : "false", "!!bool");
      case Key::Type::Float: {
        const auto v = python_float(k.text);
        return plain_event(v ? yaml_float_text(*v) : k.text, "!!float");
      }
      case Key::Type::String: break;
    }
    return string_event(k.text);
  }

  void increase_indent(bool flow, bool indentless = false) {
    indents_.push_back(indent_);
    if (indent_ < 0)
      indent_ = flow ? kBestIndent : 0;
    else if (!indentless)
      indent_ += kBestIndent;
  }
  void pop_indent() {
    indent_ = indents_.back();
    indents_.pop_back();
  }

  void empty_flow(char32_t open, char32_t close) {
    write_indicator(std::u32string(1, open), true, true);
    ++flow_level_;
    increase_indent(true);
    pop_indent();
    --flow_level_;
    write_indicator(std::u32string(1, close), false);
  }

  void block_sequence(const Node& n) {
    const bool indentless = mapping_ctx_ && !indention_;
    increase_indent(false, indentless);
    for (const auto& item : n.items()) {
      write_indent();
      write_indicator(U"-", true, false, true);
      node(item, false, true, false, false);
    }
    pop_indent();
  }

  void block_mapping(const Node& n) {
    increase_indent(false);
    for (const auto& e : n.entries()) {
      write_indent();
      const ScalarEvent key = key_event(e.key);
      const Analysis ka = analyze(key.value);
      const size_t length = std::char_traits<char>::length(key.tag_shorthand) + key.value.size();
      if (length < 128 && !ka.empty && !ka.multiline) {
        root_ctx_ = false;
        mapping_ctx_ = true;
        simple_key_ctx_ = true;
        scalar(key);
        write_indicator(U":", false);
      } else {
        write_indicator(U"?", true, false, true);
        root_ctx_ = false;
        mapping_ctx_ = true;
        simple_key_ctx_ = false;
        scalar(key);
        write_indent();
        write_indicator(U":", true, false, true);
      }
      node(e.value, false, false, true, false);
    }
    pop_indent();
  }

  char choose_style(const ScalarEvent& ev, const Analysis& a) const {
    if (!ev.style && ev.implicit_plain) {
      if (!(simple_key_ctx_ && (a.empty || a.multiline)) &&
          ((flow_level_ > 0 && a.allow_flow_plain) || (flow_level_ == 0 && a.allow_block_plain)))
        return 0;
    }
    if (a.allow_single_quoted && !(simple_key_ctx_ && a.multiline)) return '\'';
    return '"';
  }

  void scalar(const ScalarEvent& ev) {
    const Analysis a = analyze(ev.value);
    const char style = choose_style(ev, a);
    // The tag is never written: a plain scalar is implicit here, and quoted
    // ones are strings, whose tag is the default.
    increase_indent(true);
    const bool split = !simple_key_ctx_;
    if (style == '"')
      write_double_quoted(ev.value, split);
    else if (style == '\'')
      write_single_quoted(ev.value, split);
    else
      write_plain(ev.value, split);
    pop_indent();
  }

  // ---- writers (PyYAML Emitter.write_*)
  void write(std::u32string_view data) {
    for (char32_t c : data) append_utf8(out_, c);
  }

  void write_indicator(std::u32string_view indicator, bool need_whitespace, bool whitespace = false,
                       bool indention = false) {
    std::u32string data;
    if (!whitespace_ && need_whitespace) data = U" ";
    data += indicator;
    whitespace_ = whitespace;
    indention_ = indention_ && indention;
    column_ += static_cast<int>(data.size());
    open_ended_ = false;
    write(data);
  }

  void write_indent() {
    const int indent = indent_ < 0 ? 0 : indent_;
    if (!indention_ || column_ > indent || (column_ == indent && !whitespace_)) write_line_break();
    if (column_ < indent) {
      whitespace_ = true;
      write(std::u32string(static_cast<size_t>(indent - column_), U' '));
      column_ = indent;
    }
  }

  void write_line_break(char32_t br = U'\n') {
    whitespace_ = true;
    indention_ = true;
    column_ = 0;
    write(std::u32string_view(&br, 1));
  }

  void write_text(std::u32string_view text, size_t start, size_t end) {
    column_ += static_cast<int>(end - start);
    write(text.substr(start, end - start));
  }

  void write_breaks(std::u32string_view text, size_t start, size_t end) {
    if (text[start] == '\n') write_line_break();
    for (size_t k = start; k < end; ++k) write_line_break(text[k]);
    write_indent();
  }

  void write_plain(const std::u32string& text, bool split) {
    if (root_ctx_) open_ended_ = true;
    if (text.empty()) return;
    if (!whitespace_) {
      column_ += 1;
      write(U" ");
    }
    whitespace_ = indention_ = false;
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      const bool at_end = end == text.size();
      const char32_t ch = at_end ? 0 : text[end];
      if (spaces) {
        if (at_end || ch != ' ') {
          if (start + 1 == end && column_ > kBestWidth && split) {
            write_indent();
            whitespace_ = indention_ = false;
          } else {
            write_text(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (at_end || !is_break(ch)) {
          write_breaks(text, start, end);
          whitespace_ = indention_ = false;
          start = end;
        }
      } else if (at_end || ch == ' ' || is_break(ch)) {
        write_text(text, start, end);
        start = end;
      }
      if (!at_end) {
        spaces = ch == ' ';
        breaks = is_break(ch);
      }
    }
  }

  void write_single_quoted(const std::u32string& text, bool split) {
    write_indicator(U"'", true);
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      const bool at_end = end == text.size();
      const char32_t ch = at_end ? 0 : text[end];
      if (spaces) {
        if (at_end || ch != ' ') {
          if (start + 1 == end && column_ > kBestWidth && split && start != 0 && end != text.size())
            write_indent();
          else
            write_text(text, start, end);
          start = end;
        }
      } else if (breaks) {
        if (at_end || !is_break(ch)) {
          write_breaks(text, start, end);
          start = end;
        }
      } else if (at_end || ch == ' ' || is_break(ch) || ch == '\'') {
        if (start < end) {
          write_text(text, start, end);
          start = end;
        }
      }
      if (ch == '\'') {
        column_ += 2;
        write(U"''");
        start = end + 1;
      }
      if (!at_end) {
        spaces = ch == ' ';
        breaks = is_break(ch);
      }
    }
    write_indicator(U"'", false);
  }

  static const char* escape_for(char32_t c) {
    switch (c) {
      case 0x00: return "0";
      case 0x07: return "a";
      case 0x08: return "b";
      case 0x09: return "t";
      case 0x0A: return "n";
      case 0x0B: return "v";
      case 0x0C: return "f";
      case 0x0D: return "r";
      case 0x1B: return "e";
      case '"': return "\"";
      case '\\': return "\\";
      case 0x85: return "N";
      case 0xA0: return "_";
      case 0x2028: return "L";
      case 0x2029: return "P";
      default: return nullptr;
    }
  }

  void write_double_quoted(const std::u32string& text, bool split) {
    write_indicator(U"\"", true);
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      const bool at_end = end == text.size();
      const char32_t ch = at_end ? 0 : text[end];
      const bool plain_char =
          !at_end && ch != '"' && ch != '\\' && ch != 0x85 && ch != 0x2028 && ch != 0x2029 && ch != 0xFEFF &&
          ((ch >= 0x20 && ch <= 0x7E) || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD));
      if (!plain_char) {
        if (start < end) {
          write_text(text, start, end);
          start = end;
        }
        if (!at_end) {
          std::string data = "\\";
          if (const char* esc = escape_for(ch)) {
            data += esc;
          } else {
            char buf[16];
            if (ch <= 0xFF)
              std::snprintf(buf, sizeof buf, "x%02X", static_cast<unsigned>(ch));
            else if (ch <= 0xFFFF)
              std::snprintf(buf, sizeof buf, "u%04X", static_cast<unsigned>(ch));
            else
              std::snprintf(buf, sizeof buf, "U%08X", static_cast<unsigned>(ch));
            data += buf;
          }
          column_ += static_cast<int>(data.size());
          out_ += data;
          start = end + 1;
        }
      }
      if (end > 0 && end + 1 < text.size() && (ch == ' ' || start >= end) &&
          column_ + static_cast<int>(end - start) > kBestWidth && split) {
        std::u32string data = text.substr(start, end > start ? end - start : 0) + U"\\";
        if (start < end) start = end;
        column_ += static_cast<int>(data.size());
        write(data);
        write_indent();
        whitespace_ = indention_ = false;
        if (text[start] == ' ') {
          column_ += 1;
          write(U"\\");
        }
      }
    }
    write_indicator(U"\"", false);
  }

  std::string out_;
  int column_ = 0;
  int indent_ = -1;  // -1: PyYAML's None
  std::vector<int> indents_;
  int flow_level_ = 0;
  bool whitespace_ = true, indention_ = true, open_ended_ = false;
  bool root_ctx_ = false, mapping_ctx_ = false, simple_key_ctx_ = false;
};

}  // namespace

std::string yaml_float_text(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  std::string s = python_float_repr(v);
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  const size_t e = s.find('e');
  if (s.find('.') == std::string::npos && e != std::string::npos) s.insert(e, ".0");
  return s;
}

std::string to_yaml(const Node& n) {
  Emitter em;
  em.node(n, true, false, false, false);
  return em.finish();
}

}  // namespace ragforge::config
