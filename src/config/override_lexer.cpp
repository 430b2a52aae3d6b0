#include "config/override_lexer.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "config/override.h"
#include "config/override_antlr_check.h"
#include "config/override_hydra_errors.h"

namespace ragforge::config::override_detail {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ws(char c) { return c == ' ' || c == '\t'; }
bool is_id_start(char c) { return is_alpha(c) || c == '_'; }
bool is_id_char(char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '-'; }
bool is_special_start(char c) { return is_id_start(c) || c == '$'; }
bool is_special_char(char c) { return is_id_char(c) || c == '$'; }
bool is_esc_char(char c) {
  switch (c) {
    case '\\': case '(': case ')': case '[': case ']': case '{': case '}':
    case ':': case '=': case ',': case ' ': case '\t':
      return true;
    default:
      return false;
  }
}
bool is_unquoted_char(char c) {
  switch (c) {
    case '/': case '-': case '\\': case '+': case '.': case '$': case '%':
    case '*': case '@': case '?': case '|':
      return true;
    default:
      return false;
  }
}

// Every matcher returns the end of its longest match at `i`, or `i` for none.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  char at(size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  bool has(size_t i) const { return i < s_.size(); }

  size_t ws(size_t i) const {
    while (has(i) && is_ws(s_[i])) ++i;
    return i;
  }
  // DIGIT (('_')? DIGIT)*
  size_t digits(size_t i) const {
    if (!is_digit(at(i))) return i;
    ++i;
    for (;;) {
      if (is_digit(at(i))) ++i;
      else if (at(i) == '_' && is_digit(at(i + 1))) i += 2;
      else return i;
    }
  }
  // '0' | [1-9] (('_')? DIGIT)*
  size_t int_unsigned(size_t i) const {
    if (at(i) == '0') return i + 1;
    if (at(i) >= '1' && at(i) <= '9') return digits(i);
    return i;
  }
  size_t word(size_t i, const char* w) const {
    for (size_t k = 0; w[k]; ++k) {
      char c = at(i + k);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (!has(i + k) || c != w[k]) return i;
    }
    return i + std::char_traits<char>::length(w);
  }
  // [+-]? (POINT_FLOAT | EXPONENT_FLOAT | inf | nan)
  size_t float_(size_t i) const {
    size_t j = i;
    if (at(j) == '+' || at(j) == '-') ++j;
    size_t best = i;
    for (const char* w : {"inf", "nan"}) {
      size_t end = word(j, w);
      if (end > j) best = std::max(best, end);  // a sign alone matches nothing
    }
    // Mantissa: INT_UNSIGNED, or a POINT_FLOAT (the longest one).
    size_t int_end = int_unsigned(j);
    size_t point_end = i;  // none yet: a sign alone is no FLOAT (it lexes as UNQUOTED_CHAR)
    if (int_end > j && at(int_end) == '.') {
      point_end = digits(int_end + 1);  // "1." has no fraction digits
    } else if (at(j) == '.' && is_digit(at(j + 1))) {
      point_end = digits(j + 1);
    }
    best = std::max(best, point_end);
    size_t base = point_end > j ? point_end : int_end;
    if (base > j && (at(base) == 'e' || at(base) == 'E')) {
      size_t k = base + 1;
      if (at(k) == '+' || at(k) == '-') ++k;
      size_t exp_end = digits(k);
      if (exp_end > k) best = std::max(best, exp_end);
    }
    return best;
  }
  size_t int_(size_t i) const {
    size_t j = i;
    if (at(j) == '+' || at(j) == '-') ++j;
    size_t e = int_unsigned(j);
    return e > j ? e : i;
  }
  size_t id(size_t i) const {
    if (!is_id_start(at(i))) return i;
    ++i;
    while (has(i) && is_id_char(s_[i])) ++i;
    return i;
  }
  size_t key_special(size_t i) const {
    if (!is_special_start(at(i))) return i;
    ++i;
    while (has(i) && is_special_char(s_[i])) ++i;
    return i;
  }
  size_t dot_path(size_t i) const {
    auto segment = [this](size_t k) {
      size_t e = key_special(k);
      return e > k ? e : int_unsigned(k);
    };
    size_t e = segment(i);
    if (e == i) return i;
    size_t segments = 1;
    while (at(e) == '.') {
      size_t n = segment(e + 1);
      if (n == e + 1) break;
      e = n;
      ++segments;
    }
    return segments > 1 ? e : i;
  }
  size_t esc(size_t i) const {
    size_t j = i;
    while (at(j) == '\\' && has(j + 1) && is_esc_char(s_[j + 1])) j += 2;
    return j;
  }
  // The closing quote is the first one preceded by an even number of
  // backslashes (ANTLR's non-greedy rule stops at the first legal end).
  size_t quoted(size_t i) const {
    char q = at(i);
    if (q != '\'' && q != '"') return i;
    size_t backslashes = 0;
    for (size_t j = i + 1; j < s_.size(); ++j) {
      if (s_[j] == q && backslashes % 2 == 0) return j + 1;
      backslashes = s_[j] == '\\' ? backslashes + 1 : 0;
    }
    return i;
  }
  // `${` ... `}` with at least one character and no '}' inside.
  size_t interpolation(size_t i, const std::vector<size_t>& next_brace) const {
    if (at(i) != '$' || at(i + 1) != '{') return i;
    size_t close = next_brace[i + 2];
    if (close == s_.size() || close == i + 2) return i;
    return close + 1;
  }
  // WS? c WS?  (lead / trail say which sides may have whitespace)
  size_t punct(size_t i, char c, bool lead, bool trail) const {
    size_t j = lead ? ws(i) : i;
    if (at(j) != c || !has(j)) return i;
    ++j;
    return trail ? ws(j) : j;
  }

 private:
  std::string_view s_;
};

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\x%02x", c);
  return buf;
}

// Length of a well-formed UTF-8 sequence at `i`, or 0.
size_t utf8_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (c >= 0xF5 || n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}

// "x=a#b" -> "x='a#b'": how to write the value as a quoted string.
std::string quoting_hint(std::string_view input) {
  size_t eq = input.find('=');
  std::string_view key = input.substr(0, eq + 1);
  std::string_view value = input.substr(eq + 1);
  while (!value.empty() && is_ws(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_ws(value.back())) value.remove_suffix(1);
  // Inside a list, dict or call, quoting the whole value would change its meaning.
  if (value.find_first_of("[]{}(),") != std::string_view::npos) return "quote the string that contains it";
  char q = value.find('\'') == std::string_view::npos ? '\''
           : value.find('"') == std::string_view::npos ? '"' : '\0';
  if (q == '\0') return "quote the value";
  return "quote the value: " + std::string(key) + q + std::string(value) + q;
}

[[noreturn]] void key_error(std::string_view input, size_t i) {
  char c = input[i];
  std::string what = "unexpected character " + describe_char(input, i) + " in the key";
  if (is_ws(c)) {
    what += "; a key cannot contain whitespace";
  } else if (c == '\'' || c == '"') {
    what += "; a key cannot be quoted";
  } else if (is_digit(c)) {
    what += "; a number is only allowed as a component of a dotted path, e.g. a.0";
  } else {
    what += "; a key is a dotted path (a.b.c) or a group path (a/b), optionally followed by @package";
  }
  throw OverrideParseError(std::string(input), i, what, hydra_lexer_error(input, i));
}

[[noreturn]] void value_error(std::string_view input, size_t i) {
  char c = input[i];
  if (c == '\'' || c == '"') {
    throw OverrideParseError(std::string(input), i,
                             std::string("unterminated quoted string: no closing ") + c +
                                 " for the quote opened here",
                             hydra_lexer_error(input, i));
  }
  throw OverrideParseError(std::string(input), i,
                           "unexpected character " + describe_char(input, i) +
                               " (not allowed in an unquoted value); " + quoting_hint(input),
                           hydra_lexer_error(input, i));
}

}  // namespace

std::string describe_char(std::string_view input, size_t offset) {
  if (offset >= input.size()) return "end of input";
  auto c = static_cast<unsigned char>(input[offset]);
  if (c == '\t') return "'\\t'";
  if (c == '\n') return "'\\n'";
  if (c < 0x20 || c == 0x7F) return "'" + hex_byte(c) + "'";
  if (c < 0x80) return std::string("'") + static_cast<char>(c) + "'";
  size_t n = utf8_length(input, offset);
  if (n == 0) return "'" + hex_byte(c) + "'";
  return "'" + std::string(input.substr(offset, n)) + "'";
}

namespace {
// Appends the tokens to `out` as it goes, so that when it throws at a
// character no rule matches, `out` holds every token before it.
void lex_into(std::string_view input, std::vector<Token>& out) {
  Scanner sc(input);
  const size_t n = input.size();
  size_t i = 0;

  // ---- key mode
  while (i < n) {
    char c = input[i];
    Tok t;
    size_t end = i + 1;
    switch (c) {
      case '=': t = Tok::Equal; end = sc.ws(i + 1); break;
      case '~': t = Tok::Tilde; break;
      case '+': t = Tok::Plus; break;
      case '@': t = Tok::At; break;
      case ':': t = Tok::Colon; break;
      case '/': t = Tok::Slash; break;
      default: {
        size_t id = sc.id(i), special = sc.key_special(i), path = sc.dot_path(i);
        end = std::max({id, special, path});
        if (end == i) key_error(input, i);
        // Equal lengths: KEY_ID wins over KEY_SPECIAL over DOT_PATH (rule order).
        t = id == end ? Tok::Id : special == end ? Tok::KeySpecial : Tok::DotPath;
      }
    }
    out.push_back(Token{t, i, end});
    i = end;
    if (t == Tok::Equal) break;
  }

  // ---- value mode
  // next_brace[k]: the first '}' at or after k (n if none); makes
  // INTERPOLATION constant-time so `${${${...` cannot go quadratic.
  std::vector<size_t> next_brace;
  if (i < n) {
    next_brace.assign(n + 1, n);
    for (size_t k = n; k-- > 0;) next_brace[k] = input[k] == '}' ? k : next_brace[k + 1];
  }
  while (i < n) {
    // Rule order breaks ties between equally long matches, as in ANTLR.
    const std::array<std::pair<Tok, size_t>, 19> cands = {{
        {Tok::POpen, sc.punct(i, '(', true, true)},
        {Tok::Comma, sc.punct(i, ',', true, true)},
        {Tok::PClose, sc.punct(i, ')', true, false)},
        {Tok::BracketOpen, sc.punct(i, '[', false, true)},
        {Tok::BracketClose, sc.punct(i, ']', true, false)},
        {Tok::BraceOpen, sc.punct(i, '{', false, true)},
        {Tok::BraceClose, sc.punct(i, '}', true, false)},
        {Tok::Colon, sc.punct(i, ':', true, true)},
        {Tok::Equal, sc.punct(i, '=', true, true)},
        {Tok::Float, sc.float_(i)},
        {Tok::Int, sc.int_(i)},
        {Tok::Bool, std::max(sc.word(i, "true"), sc.word(i, "false"))},
        {Tok::Null, sc.word(i, "null")},
        {Tok::UnquotedChar, is_unquoted_char(input[i]) ? i + 1 : i},
        {Tok::Id, sc.id(i)},
        {Tok::Esc, sc.esc(i)},
        {Tok::Ws, sc.ws(i)},
        {Tok::QuotedValue, sc.quoted(i)},
        {Tok::Interpolation, sc.interpolation(i, next_brace)},
    }};
    Tok best = Tok::Eof;
    size_t best_end = i;
    for (const auto& [t, e] : cands) {
      if (e > best_end) {
        best = t;
        best_end = e;
      }
    }
    if (best_end == i) value_error(input, i);
    out.push_back(Token{best, i, best_end});
    i = best_end;
  }
  out.push_back(Token{Tok::Eof, n, n});
}
}  // namespace

LexedInput lex_until_error(std::string_view input) {
  LexedInput lexed;
  try {
    lex_into(input, lexed.tokens);
  } catch (const OverrideParseError& e) {
    lexed.error = e;
  }
  return lexed;
}

const char* token_name(Tok t) {
  switch (t) {
    case Tok::Equal: return "'='";
    case Tok::Tilde: return "'~'";
    case Tok::Plus: return "'+'";
    case Tok::At: return "'@'";
    case Tok::Colon: return "':'";
    case Tok::Slash: return "'/'";
    case Tok::Id: return "a name";
    case Tok::KeySpecial: return "a name";
    case Tok::DotPath: return "a dotted path";
    case Tok::POpen: return "'('";
    case Tok::Comma: return "','";
    case Tok::PClose: return "')'";
    case Tok::BracketOpen: return "'['";
    case Tok::BracketClose: return "']'";
    case Tok::BraceOpen: return "'{'";
    case Tok::BraceClose: return "'}'";
    case Tok::Float: return "a float";
    case Tok::Int: return "an int";
    case Tok::Bool: return "a bool";
    case Tok::Null: return "null";
    case Tok::UnquotedChar: return "a character";
    case Tok::Esc: return "an escape sequence";
    case Tok::Ws: return "whitespace";
    case Tok::QuotedValue: return "a quoted string";
    case Tok::Interpolation: return "an interpolation";
    case Tok::Eof: return "end of input";
  }
  return "?";
}

}  // namespace ragforge::config::override_detail
