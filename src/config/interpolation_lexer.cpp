// The moded lexer of OmegaConfGrammarLexer.g4. Every rule of a mode is tried
// at the current position and the longest match wins, ties going to the rule
// listed first, exactly like ANTLR. Comments name the .g4 rules.
#include <algorithm>
#include <cstdint>

#include "config/interpolation_error.h"
#include "config/interpolation_grammar.h"
#include "config/interpolation_lexer_internal.h"

namespace ragforge::config::grammar {
namespace {

enum class Mode { Default, Value, Interp, QuotedSingle, QuotedDouble };
enum class Action { None, PushInterp, PushValue, PushQuotedSingle, PushQuotedDouble, Pop, SetValue };

struct Candidate {
  size_t len = 0;
  Tok type = Tok::Eof;
  Action action = Action::None;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ws(char c) { return c == ' ' || c == '\t'; }

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  char at(size_t p) const { return p < s_.size() ? s_[p] : '\0'; }
  bool has(size_t p) const { return p < s_.size(); }

  size_t ws(size_t p) const {
    size_t q = p;
    while (has(q) && is_ws(s_[q])) ++q;
    return q - p;
  }
  size_t backslashes(size_t p) const {
    size_t q = p;
    while (has(q) && s_[q] == '\\') ++q;
    return q - p;
  }
  bool starts(size_t p, std::string_view lit) const { return s_.substr(std::min(p, s_.size())).substr(0, lit.size()) == lit; }

  // ('_')? DIGIT repeated: returns end position.
  size_t digits_tail(size_t q) const {
    while (true) {
      if (at(q) == '_' && is_digit(at(q + 1))) q += 2;
      else if (is_digit(at(q))) q += 1;
      else return q;
    }
  }
  // INT_UNSIGNED: '0' | [1-9] (('_')? DIGIT)*; returns end or npos.
  size_t int_unsigned(size_t p) const {
    if (at(p) == '0') return p + 1;
    if (at(p) >= '1' && at(p) <= '9') return digits_tail(p + 1);
    return std::string_view::npos;
  }
  // DIGIT (('_')? DIGIT)*
  size_t digit_run(size_t p) const {
    if (!is_digit(at(p))) return std::string_view::npos;
    return digits_tail(p + 1);
  }
  bool ieq(size_t p, std::string_view word) const {
    for (size_t i = 0; i < word.size(); ++i) {
      char c = at(p + i);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != word[i]) return false;
    }
    return true;
  }

  // FLOAT: [+-]? (POINT_FLOAT | EXPONENT_FLOAT | inf | nan), case-insensitive words.
  size_t float_len(size_t p) const {
    size_t q = p;
    if (at(q) == '+' || at(q) == '-') ++q;
    size_t best = 0;
    auto take = [&](size_t end) {
      if (end != std::string_view::npos && end > p) best = std::max(best, end - p);
    };
    if (ieq(q, "inf") || ieq(q, "nan")) take(q + 3);
    // POINT_FLOAT ends, each a possible base for EXPONENT_FLOAT.
    std::vector<size_t> point_ends;
    size_t iu = int_unsigned(q);
    if (iu != std::string_view::npos && at(iu) == '.') {
      point_ends.push_back(iu + 1);
      size_t frac = digit_run(iu + 1);
      if (frac != std::string_view::npos) point_ends.push_back(frac);
    }
    if (at(q) == '.') {
      size_t frac = digit_run(q + 1);
      if (frac != std::string_view::npos) point_ends.push_back(frac);
    }
    for (size_t e : point_ends) take(e);
    std::vector<size_t> bases = point_ends;
    if (iu != std::string_view::npos) bases.push_back(iu);
    for (size_t b : bases) {
      if (at(b) != 'e' && at(b) != 'E') continue;
      size_t r = b + 1;
      if (at(r) == '+' || at(r) == '-') ++r;
      take(digit_run(r));
    }
    return best;
  }
  // INT: [+-]? INT_UNSIGNED
  size_t int_len(size_t p) const {
    size_t q = p;
    if (at(q) == '+' || at(q) == '-') ++q;
    size_t e = int_unsigned(q);
    return e == std::string_view::npos ? 0 : e - p;
  }
  // ID: (CHAR|'_') (CHAR|DIGIT|'_'|'-')*
  size_t id_len(size_t p) const {
    if (!(is_alpha(at(p)) || at(p) == '_')) return 0;
    size_t q = p + 1;
    while (has(q) && (is_alpha(s_[q]) || is_digit(s_[q]) || s_[q] == '_' || s_[q] == '-')) ++q;
    return q - p;
  }
  // ESC: pairs of backslash + one of \ ( ) [ ] { } : = , space tab
  size_t esc_len(size_t p) const {
    size_t q = p;
    static constexpr std::string_view kEscapable = "\\()[]{}:=, \t";
    while (at(q) == '\\' && has(q + 1) && kEscapable.find(s_[q + 1]) != std::string_view::npos) q += 2;
    return q - p;
  }
  // ~[<excluded>]* ~[<excluded> \\]: a run that does not end with a backslash.
  size_t str_run(size_t p, std::string_view excluded) const {
    size_t q = p;
    while (has(q) && excluded.find(s_[q]) == std::string_view::npos) ++q;
    while (q > p && s_[q - 1] == '\\') --q;
    return q - p;
  }
  // ESC_INTER: (\\\\)* '\\${'  (an odd number of backslashes, then `${`)
  size_t esc_inter_len(size_t p) const {
    size_t b = backslashes(p);
    if (b % 2 == 1 && at(p + b) == '$' && at(p + b + 1) == '{') return b + 2;
    return 0;
  }

 private:
  std::string_view s_;
};

void consider(Candidate& best, size_t len, Tok type, Action action = Action::None) {
  if (len > best.len) best = Candidate{len, type, action};  // strict: earlier rule wins ties
}

Candidate match_default(const Scanner& sc, size_t p) {
  Candidate best;
  if (sc.starts(p, "${")) consider(best, 2 + sc.ws(p + 2), Tok::InterOpen, Action::PushInterp);  // TOP_INTER_OPEN
  consider(best, sc.str_run(p, "$"), Tok::AnyStr);                                                 // ANY_STR
  consider(best, sc.esc_inter_len(p), Tok::EscInter);                                              // ESC_INTER
  consider(best, sc.backslashes(p) / 2 * 2, Tok::TopEsc);                                          // TOP_ESC
  consider(best, sc.backslashes(p), Tok::AnyStr);                                                  // BACKSLASHES
  if (sc.at(p) == '$') consider(best, 1, Tok::AnyStr);                                             // DOLLAR
  return best;
}

Candidate match_value(const Scanner& sc, size_t p) {
  Candidate best;
  size_t w = sc.ws(p);
  if (sc.starts(p, "${")) consider(best, 2 + sc.ws(p + 2), Tok::InterOpen, Action::PushInterp);    // INTER_OPEN
  if (sc.at(p) == '{') consider(best, 1 + sc.ws(p + 1), Tok::BraceOpen, Action::PushValue);       // BRACE_OPEN
  if (sc.at(p + w) == '}') consider(best, w + 1, Tok::BraceClose, Action::Pop);                   // BRACE_CLOSE
  if (sc.at(p) == '\'') consider(best, 1, Tok::QuoteOpenSingle, Action::PushQuotedSingle);
  if (sc.at(p) == '"') consider(best, 1, Tok::QuoteOpenDouble, Action::PushQuotedDouble);
  if (sc.at(p + w) == ',') consider(best, w + 1 + sc.ws(p + w + 1), Tok::Comma);                 // COMMA
  if (sc.at(p) == '[') consider(best, 1 + sc.ws(p + 1), Tok::BracketOpen);                        // BRACKET_OPEN
  if (sc.at(p + w) == ']') consider(best, w + 1, Tok::BracketClose);                              // BRACKET_CLOSE
  if (sc.at(p + w) == ':') consider(best, w + 1 + sc.ws(p + w + 1), Tok::Colon);                 // COLON
  consider(best, sc.float_len(p), Tok::Float);
  consider(best, sc.int_len(p), Tok::Int);
  if (sc.ieq(p, "true")) consider(best, 4, Tok::Bool);
  if (sc.ieq(p, "false")) consider(best, 5, Tok::Bool);
  if (sc.ieq(p, "null")) consider(best, 4, Tok::Null);
  if (sc.has(p) && std::string_view("/-\\+.$%*@?|").find(sc.at(p)) != std::string_view::npos)
    consider(best, 1, Tok::UnquotedChar);
  consider(best, sc.id_len(p), Tok::Id);
  consider(best, sc.esc_len(p), Tok::Esc);
  consider(best, w, Tok::Ws);
  return best;
}

Candidate match_interp(const Scanner& sc, size_t p) {
  Candidate best;
  size_t w = sc.ws(p);
  if (sc.starts(p, "${")) consider(best, 2 + sc.ws(p + 2), Tok::InterOpen, Action::PushInterp);  // NESTED_INTER_OPEN
  if (sc.at(p + w) == ':') consider(best, w + 1 + sc.ws(p + w + 1), Tok::Colon, Action::SetValue);  // INTER_COLON
  if (sc.at(p + w) == '}') consider(best, w + 1, Tok::InterClose, Action::Pop);                  // INTER_CLOSE
  if (sc.at(p) == '.') consider(best, 1, Tok::Dot);
  if (sc.at(p) == '[') consider(best, 1, Tok::BracketOpen);
  if (sc.at(p) == ']') consider(best, 1, Tok::BracketClose);
  consider(best, sc.id_len(p), Tok::Id);
  size_t q = p;  // INTER_KEY: ~[\\{}()[\]:. \t'"]+
  while (sc.has(q) && std::string_view("\\{}()[]:. \t'\"").find(sc.at(q)) == std::string_view::npos) ++q;
  consider(best, q - p, Tok::InterKey);
  return best;
}

Candidate match_quoted(const Scanner& sc, size_t p, char quote) {
  Candidate best;
  const char excl[3] = {quote, '$', '\0'};
  if (sc.starts(p, "${")) consider(best, 2 + sc.ws(p + 2), Tok::InterOpen, Action::PushInterp);
  if (sc.at(p) == quote) consider(best, 1, Tok::QuoteClose, Action::Pop);  // MATCHING_QUOTE_CLOSE
  consider(best, sc.str_run(p, std::string_view(excl, 2)), Tok::AnyStr);      // Q*_STR
  consider(best, sc.esc_inter_len(p), Tok::EscInter);
  size_t b = sc.backslashes(p);
  if (b % 2 == 1 && sc.at(p + b) == quote) consider(best, b + 1, Tok::Esc);   // Q*_ESC_QUOTE
  consider(best, b / 2 * 2, Tok::QuotedEsc);                                  // QUOTED_ESC
  consider(best, b, Tok::AnyStr);                                             // Q*_BACKSLASHES
  if (sc.at(p) == '$') consider(best, 1, Tok::AnyStr);                        // Q*_DOLLAR
  return best;
}

size_t utf8_len(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::string error_display(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

LexResult lex(std::string_view text, bool value_mode) {
  Scanner sc(text);
  LexResult out;
  Mode mode = value_mode ? Mode::Value : Mode::Default;
  std::vector<Mode> stack;
  std::vector<size_t> openers;  // token index that pushed each stacked mode
  size_t p = 0;
  while (p < text.size()) {
    Candidate c;
    switch (mode) {
      case Mode::Default: c = match_default(sc, p); break;
      case Mode::Value: c = match_value(sc, p); break;
      case Mode::Interp: c = match_interp(sc, p); break;
      case Mode::QuotedSingle: c = match_quoted(sc, p, '\''); break;
      case Mode::QuotedDouble: c = match_quoted(sc, p, '"'); break;
    }
    if (c.len == 0) {
      // ANTLR reports the characters it consumed before failing, plus the
      // failing character (whitespace is the only possible prefix here).
      size_t w = (mode == Mode::Value || mode == Mode::Interp) ? sc.ws(p) : 0;
      size_t bad = p + w < text.size() ? utf8_len(static_cast<unsigned char>(text[p + w])) : 0;
      throw GrammarParseError("token recognition error at: '" +
                              error_display(text.substr(p, std::min(text.size() - p, w + bad))) + "'");
    }
    size_t index = out.tokens.size();
    out.tokens.push_back(Token{c.type, std::string(text.substr(p, c.len)), p, p + c.len});
    out.close_of.push_back(-1);
    auto push = [&](Mode m) {
      stack.push_back(mode);
      openers.push_back(index);
      mode = m;
    };
    switch (c.action) {
      case Action::None: break;
      case Action::PushInterp: push(Mode::Interp); break;
      case Action::PushValue: push(Mode::Value); break;
      case Action::PushQuotedSingle: push(Mode::QuotedSingle); break;
      case Action::PushQuotedDouble: push(Mode::QuotedDouble); break;
      case Action::SetValue: mode = Mode::Value; break;
      case Action::Pop:
        if (stack.empty()) throw GrammarParseError("Empty Stack");
        mode = stack.back();
        stack.pop_back();
        out.close_of[openers.back()] = static_cast<long>(index);
        openers.pop_back();
        break;
    }
    p += c.len;
  }
  out.tokens.push_back(Token{Tok::Eof, "<EOF>", text.size(), text.size()});
  out.close_of.push_back(-1);
  return out;
}

std::vector<Token> tokenize(std::string_view text, bool value_mode) { return lex(text, value_mode).tokens; }

}  // namespace ragforge::config::grammar
