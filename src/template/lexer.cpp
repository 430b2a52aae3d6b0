#include "template/lexer.h"

#include <algorithm>
#include <cstdlib>

#include "core/error.h"
#include "template/value.h"

namespace ragforge::tmpl {

std::string template_error(const char* kind, int line, int col, const std::string& message) {
  return std::string("chat template ") + kind + " at line " + std::to_string(line) + ", column " +
         std::to_string(col) + ": " + message;
}

namespace {

class Lexer {
 public:
  explicit Lexer(std::string src) : src_(std::move(src)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    size_t pos = 0;
    bool line_starting = true;
    const size_t n = src_.size();
    while (pos < n) {
      size_t tag = find_tag(pos);
      if (tag == std::string::npos) {
        emit_data(pos, src_.substr(pos));
        break;
      }
      const char kind = src_[tag + 1];
      const char sign = (tag + 2 < n && (src_[tag + 2] == '-' || src_[tag + 2] == '+')) ? src_[tag + 2] : 0;
      std::string text = src_.substr(pos, tag - pos);
      apply_lstrip(text, sign, kind != '{', line_starting);
      emit_data(pos, std::move(text));
      size_t body = tag + 2 + (sign ? 1 : 0);

      if (kind == '#') {
        pos = lex_comment(tag, body);
      } else if (kind == '%' && is_raw_begin(body)) {
        pos = lex_raw(tag, body);
      } else {
        pos = lex_tag(tag, body, kind == '%');
      }
      line_starting = pos > 0 && src_[pos - 1] == '\n';
    }
    push(Token::Type::Eof, "", n);
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(size_t offset, const std::string& msg) const {
    auto [line, col] = line_col(offset);
    throw Error(template_error("syntax error", line, col, msg));
  }

  // Line and column (in code points) of a byte offset. Tokens come in source
  // order, so counting resumes from the previous answer on the same line.
  std::pair<int, int> line_col(size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    size_t line_index = static_cast<size_t>(it - line_starts_.begin()) - 1;
    size_t from = line_starts_[line_index];
    int col = 1;
    if (cache_line_ == line_index && cache_offset_ <= offset) {
      from = cache_offset_;
      col = cache_col_;
    }
    for (size_t i = from; i < offset && i < src_.size(); ++i)
      if ((static_cast<unsigned char>(src_[i]) & 0xC0) != 0x80) ++col;
    cache_line_ = line_index;
    cache_offset_ = offset;
    cache_col_ = col;
    return {static_cast<int>(line_index) + 1, col};
  }

  Token& push(Token::Type type, std::string text, size_t offset) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    auto [line, col] = line_col(offset);
    t.line = line;
    t.col = col;
    tokens_.push_back(std::move(t));
    return tokens_.back();
  }

  void emit_data(size_t offset, std::string text) {
    if (!text.empty()) push(Token::Type::Data, std::move(text), offset);
  }

  size_t find_tag(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i)
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    return std::string::npos;
  }

  // Whitespace control on the text in front of a tag: '-' strips all of it;
  // otherwise lstrip_blocks removes the spaces and tabs that are all that
  // stands between the line's start and a block or comment tag.
  static void apply_lstrip(std::string& text, char sign, bool block_like, bool line_starting) {
    if (sign == '-') {
      text = py_strip(text, false, true);
      return;
    }
    if (sign == '+' || !block_like) return;
    size_t nl = text.rfind('\n');
    size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting) return;
    if (l_pos == text.size()) return;
    std::string tail = text.substr(l_pos);
    if (py_strip(tail, true, false).empty()) text.resize(l_pos);
  }

  // Skips Unicode whitespace from `pos`.
  size_t skip_ws(size_t pos) const {
    while (pos < src_.size()) {
      size_t next = pos;
      if (!py_isspace(decode_utf8(src_, next))) break;
      pos = next;
    }
    return pos;
  }

  bool starts_with(size_t pos, const char* s) const { return src_.compare(pos, std::char_traits<char>::length(s), s) == 0; }

  // After an end delimiter: '-' eats all whitespace, plain block/comment ends
  // eat one newline (trim_blocks), '+' and '}}' keep everything.
  size_t after_end(size_t pos, char sign, bool trim_newline) const {
    if (sign == '-') return skip_ws(pos);
    if (sign == 0 && trim_newline && pos < src_.size() && src_[pos] == '\n') return pos + 1;
    return pos;
  }

  size_t lex_comment(size_t tag, size_t body) {
    size_t end = src_.find("#}", body);
    if (end == std::string::npos) fail(tag, "unterminated comment: '{#' is never closed with '#}'");
    char sign = 0;
    if (end > body && (src_[end - 1] == '-' || src_[end - 1] == '+')) sign = src_[end - 1];
    return after_end(end + 2, sign, true);
  }

  bool is_raw_begin(size_t body) const {
    size_t p = skip_ws(body);
    if (!starts_with(p, "raw")) return false;
    p = skip_ws(p + 3);
    return starts_with(p, "%}") || starts_with(p, "-%}");
  }

  size_t lex_raw(size_t tag, size_t body) {
    size_t p = skip_ws(skip_ws(body) + 3);
    size_t content = src_[p] == '-' ? skip_ws(p + 3) : p + 2;
    bool line_starting = content > 0 && src_[content - 1] == '\n';
    for (size_t search = content;;) {
      size_t open = src_.find("{%", search);
      if (open == std::string::npos) fail(tag, "unterminated raw block: missing '{% endraw %}'");
      char sign = (open + 2 < src_.size() && (src_[open + 2] == '-' || src_[open + 2] == '+')) ? src_[open + 2] : 0;
      size_t q = skip_ws(open + 2 + (sign ? 1 : 0));
      if (starts_with(q, "endraw")) {
        q = skip_ws(q + 6);
        char end_sign = 0;
        if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) end_sign = src_[q++];
        if (starts_with(q, "%}")) {
          std::string text = src_.substr(content, open - content);
          apply_lstrip(text, sign, true, line_starting);
          emit_data(content, std::move(text));
          return after_end(q + 2, end_sign, true);
        }
      }
      search = open + 2;
    }
  }

  size_t lex_tag(size_t tag, size_t pos, bool block) {
    push(block ? Token::Type::BlockBegin : Token::Type::VarBegin, block ? "{%" : "{{", tag);
    std::vector<std::pair<char, size_t>> stack;  // open brackets
    const char* close = block ? "%}" : "}}";
    for (;;) {
      pos = skip_ws(pos);
      if (pos >= src_.size())
        fail(tag, std::string("unexpected end of template: '") + (block ? "{%" : "{{") + "' is never closed with '" +
                      close + "'");
      if (stack.empty()) {
        char sign = 0;
        size_t at = pos;
        if (src_[pos] == '-' && starts_with(pos + 1, close)) sign = '-';
        else if (block && src_[pos] == '+' && starts_with(pos + 1, close)) sign = '+';
        if (sign || starts_with(pos, close)) {
          size_t end = pos + (sign ? 1 : 0) + 2;
          push(block ? Token::Type::BlockEnd : Token::Type::VarEnd, close, at);
          return after_end(end, sign, block);
        }
      }
      char c = src_[pos];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t e = pos;
        while (e < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
        push(Token::Type::Name, src_.substr(pos, e - pos), pos);
        pos = e;
      } else if (c == '\'' || c == '"') {
        pos = lex_string(pos);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        pos = lex_number(pos);
      } else {
        static const char* const kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[",
                                           "]",  "(",  ")",  "{",  "}",  "<",  ">", "=", ".", ":", "|", ",", ";"};
        const char* op = nullptr;
        for (const char* candidate : kOps)
          if (starts_with(pos, candidate)) {
            op = candidate;
            break;
          }
        if (!op) {
          size_t next = pos;
          std::string ch;
          decode_utf8(src_, next);
          ch = src_.substr(pos, next - pos);
          fail(pos, "unexpected character '" + ch + "'");
        }
        std::string o = op;
        if (o == "(" || o == "[" || o == "{") {
          if (stack.size() >= 256) fail(pos, "brackets nested deeper than 256 levels");
          stack.emplace_back(o[0], pos);
        } else if (o == ")" || o == "]" || o == "}") {
          char want = o == ")" ? '(' : o == "]" ? '[' : '{';
          if (stack.empty()) fail(pos, "unexpected '" + o + "'");
          if (stack.back().first != want)
            fail(pos, "unexpected '" + o + "', expected closing bracket for '" + std::string(1, stack.back().first) +
                          "'");
          stack.pop_back();
        }
        push(Token::Type::Op, o, pos);
        pos += o.size();
      }
    }
  }

  size_t lex_string(size_t start) {
    const char quote = src_[start];
    std::string out;
    size_t i = start + 1;
    auto hex_escape = [&](size_t at, int digits) -> uint32_t {
      uint32_t v = 0;
      for (int k = 0; k < digits; ++k) {
        if (at + k >= src_.size() || !std::isxdigit(static_cast<unsigned char>(src_[at + k])))
          fail(at - 2, "truncated \\" + std::string(1, src_[at - 1]) + " escape in string literal");
        char h = src_[at + k];
        v = v * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0'
                                                                                       : (std::tolower(h) - 'a' + 10));
      }
      return v;
    };
    for (;;) {
      if (i >= src_.size()) fail(start, "unterminated string literal");
      char c = src_[i];
      if (c == quote) {
        push(Token::Type::String, std::move(out), start);
        return i + 1;
      }
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      if (i + 1 >= src_.size()) fail(start, "unterminated string literal");
      char e = src_[i + 1];
      i += 2;
      switch (e) {
        case '\n':
          break;
        case '\\':
        case '\'':
        case '"':
          out += e;
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
          append_utf8(out, hex_escape(i, 2));
          i += 2;
          break;
        case 'u':
          append_utf8(out, hex_escape(i, 4));
          i += 4;
          break;
        case 'U': {
          uint32_t cp = hex_escape(i, 8);
          if (cp > 0x10FFFF) fail(i - 2, "illegal Unicode character in \\U escape");
          append_utf8(out, cp);
          i += 8;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t v = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && i < src_.size() && src_[i] >= '0' && src_[i] <= '7'; ++k, ++i)
              v = v * 8 + static_cast<uint32_t>(src_[i] - '0');
            append_utf8(out, v);
          } else {
            out += '\\';  // Python keeps unknown escapes as written
            out += e;
          }
      }
    }
  }

  size_t lex_number(size_t start) {
    auto digits = [&](size_t p) {
      // (\d+_)*\d+
      size_t q = p;
      while (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) {
        ++q;
        if (q + 1 < src_.size() && src_[q] == '_' && std::isdigit(static_cast<unsigned char>(src_[q + 1]))) ++q;
      }
      return q;
    };
    auto strip_underscores = [](std::string s) {
      s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
      return s;
    };
    // 0b / 0o / 0x integers.
    if (src_[start] == '0' && start + 2 < src_.size() && std::strchr("bBoOxX", src_[start + 1]) && src_[start + 1]) {
      int base = std::tolower(src_[start + 1]) == 'b' ? 2 : std::tolower(src_[start + 1]) == 'o' ? 8 : 16;
      size_t q = start + 2;
      std::string body;
      while (q < src_.size() && (std::isxdigit(static_cast<unsigned char>(src_[q])) || src_[q] == '_')) body += src_[q++];
      body = strip_underscores(body);
      char* end = nullptr;
      errno = 0;
      long long v = std::strtoll(body.c_str(), &end, base);
      if (!body.empty() && *end == '\0' && errno == 0) {
        Token& t = push(Token::Type::Int, src_.substr(start, q - start), start);
        t.int_value = v;
        return q;
      }
    }
    size_t int_end = digits(start);
    bool after_dot = start > 0 && src_[start - 1] == '.';
    size_t end = int_end;
    bool is_float = false;
    if (!after_dot) {
      if (end + 1 < src_.size() && src_[end] == '.' && std::isdigit(static_cast<unsigned char>(src_[end + 1]))) {
        end = digits(end + 1);
        is_float = true;
      }
      if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
        size_t q = end + 1;
        if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
        if (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) {
          end = digits(q);
          is_float = true;
        }
      }
    }
    std::string text = strip_underscores(src_.substr(start, end - start));
    if (is_float) {
      Token& t = push(Token::Type::Float, text, start);
      t.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      errno = 0;
      long long v = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) fail(start, "integer literal " + text + " does not fit in 64 bits");
      Token& t = push(Token::Type::Int, text, start);
      t.int_value = v;
    }
    return end;
  }

  std::string src_;
  std::vector<size_t> line_starts_;
  mutable size_t cache_line_ = static_cast<size_t>(-1);
  mutable size_t cache_offset_ = 0;
  mutable int cache_col_ = 1;
  std::vector<Token> tokens_;
};

std::string normalize_source(const std::string& source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();  // keep_trailing_newline=False
  return out;
}

}  // namespace

std::vector<Token> tokenize(const std::string& source) { return Lexer(normalize_source(source)).run(); }

}  // namespace ragforge::tmpl
