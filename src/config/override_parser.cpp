// Recursive-descent parser for OverrideParser.g4 (Hydra 1.3.2), with the
// value construction of Hydra's HydraOverrideVisitor.
//
// Grammar (tokens from override_lexer.h):
//   override: (key EQUAL value? | TILDE key (EQUAL value?)? | PLUS PLUS? key EQUAL value?) EOF
//   key: packageOrGroup (AT package)?
//   packageOrGroup: package | ID (SLASH ID)+
//   package: ( | ID | KEY_SPECIAL | DOT_PATH)
//   value: element | element (COMMA element)+
//   element: primitive | listContainer | dictContainer | function
//   function: ID POPEN (argName? element (COMMA argName? element)*)? PCLOSE
//   argName: ID EQUAL
//   listContainer: BRACKET_OPEN (element (COMMA element)*)? BRACKET_CLOSE
//   dictContainer: BRACE_OPEN (dictKeyValuePair (COMMA dictKeyValuePair)*)? BRACE_CLOSE
//   dictKeyValuePair: dictKey COLON element
//   primitive: QUOTED_VALUE | (ID|NULL|INT|FLOAT|BOOL|INTERPOLATION|UNQUOTED_CHAR|COLON|ESC|WS)+
//   dictKey: (ID|NULL|INT|FLOAT|BOOL|UNQUOTED_CHAR|ESC|WS)+
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <unordered_map>

#include "config/override.h"
#include "config/override_internal.h"
#include "config/override_antlr_check.h"
#include "config/override_lexer.h"
#include "config/override_hydra_errors.h"
#include "config/python_int.h"
#include "config/python_repr.h"

namespace ragforge::config {
namespace {

using override_detail::Tok;
using override_detail::Token;
using Kind = ParsedValue::Kind;

// Deeper nesting is refused rather than risking the stack (Hydra itself hits
// Python's recursion limit at a similar depth).
constexpr int kMaxDepth = 256;

std::string hex_escape(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\x%02x", c);
  return buf;
}

// The input as one printable line plus a caret line under byte `offset`.
// Tabs are kept (and mirrored in the caret line) so the caret stays aligned;
// other control bytes are shown as \xNN.
std::pair<std::string, std::string> caret_display(std::string_view in, size_t offset) {
  std::string line, caret;
  for (size_t i = 0; i <= in.size(); ++i) {
    if (i == offset) caret += '^';
    if (i == in.size()) break;
    auto c = static_cast<unsigned char>(in[i]);
    std::string shown;
    size_t width = 1;
    if (c == '\t') {
      shown = "\t";
    } else if (c < 0x20 || c == 0x7F) {
      shown = hex_escape(c);
      width = shown.size();
    } else {
      shown = std::string(1, static_cast<char>(c));
      width = (c & 0xC0) == 0x80 ? 0 : 1;  // UTF-8 continuation bytes take no column
    }
    line += shown;
    if (i < offset) caret += c == '\t' ? std::string("\t") : std::string(width, ' ');
  }
  return {line, caret};
}

// Hydra's text first, then ragforge's note, one line in the project's note
// form ("  in <where>"): the column and, unless Hydra's text already says
// it, what went wrong.
std::string format_message(const std::string& hydra, const std::string& input, size_t offset,
                           const std::string& reason) {
  auto [line, caret] = caret_display(input, std::min(offset, input.size()));
  size_t column = caret.size();  // the caret's column, 1-based (tabs count as one)
  std::string note = "\n  in override '" + line + "' at column " + std::to_string(column);
  if (hydra.find(reason) == std::string::npos) note += ": " + reason.substr(0, reason.find('\n'));
  return hydra + note;
}

bool in(Tok t, std::initializer_list<Tok> set) { return std::find(set.begin(), set.end(), t) != set.end(); }

class Parser {
 public:
  // Without Eof (the lexer stopped at an error), reading past the last
  // token raises that error.
  Parser(std::string_view input, const override_detail::LexedInput& lexed)
      : in_(input), toks_(lexed.tokens), lex_error_(lexed.error) {
    if (lex_error_) toks_.push_back(Token{Tok::Eof, lex_error_->byte_offset(), lex_error_->byte_offset()});
  }

  Override parse() {
    Override o;
    o.input = std::string(in_);
    size_t eq = in_.find('=');
    if (eq != std::string_view::npos) o.value_string = std::string(in_.substr(eq + 1));

    if (peek().type == Tok::Tilde) {
      is_del_ = true;
      o.type = OverrideType::Del;
      next();
    } else if (peek().type == Tok::Plus) {
      o.type = OverrideType::Add;
      next();
      if (peek().type == Tok::Plus) {
        o.type = OverrideType::ForceAdd;
        next();
      }
    }
    key_begin_ = pos_;
    parse_key(o);

    if (o.type == OverrideType::Del && peek().type == Tok::Eof) return o;  // `~key`
    if (peek().type != Tok::Equal) fail_key(o);
    next();
    in_value_ = true;
    value_start_ = pos_;
    o.value_type = OverrideValueType::Element;
    if (peek().type == Tok::Eof) {
      o.value = ParsedValue::of_str("");  // `key=`
    } else {
      o.value = parse_value();
      o.value_type = value_type_of(o.value);
    }
    if (pending_) throw OverrideParseError(o.input, pending_->first, pending_->second);
    return o;
  }

 private:
  std::string_view in_;
  std::vector<Token> toks_;
  std::optional<OverrideParseError> lex_error_;
  size_t pos_ = 0;
  int depth_ = 0;
  // The first error raised while evaluating a function. Hydra evaluates only
  // after the whole input parsed, so a later syntax error takes precedence.
  std::optional<std::pair<size_t, std::string>> pending_;

  // Where the parse stands, for ANTLR's wording of a syntax error.
  bool is_del_ = false;
  size_t key_begin_ = 0;      // first token after the prefix
  bool in_value_ = false;
  size_t value_start_ = 0;    // first token after '='
  bool first_done_ = false;   // the value's first element is complete
  size_t elem_start_ = 0;     // first token of the current later sweep element
  bool after_value_ = false;  // failing on what follows the whole value

  const Token& peek(size_t k = 0) const { return tok(pos_ + k); }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  std::string text(const Token& t) const { return std::string(in_.substr(t.begin, t.end - t.begin)); }

  [[noreturn]] void fail(size_t offset, const std::string& reason) const {
    throw OverrideParseError(std::string(in_), offset, reason, antlr_text(token_at(offset)));
  }
  [[noreturn]] void fail_with(size_t offset, const std::string& reason, const std::string& hydra) const {
    throw OverrideParseError(std::string(in_), offset, reason, hydra);
  }

  // ---- ANTLR's wording (DefaultErrorStrategy as Hydra's grammar drives it)
  // The token at or after byte `offset`.
  size_t token_at(size_t offset) const {
    for (size_t i = 0; i < toks_.size(); ++i)
      if (toks_[i].end > offset) return i;
    return toks_.size() - 1;
  }
  const Token& tok(size_t i) const {
    if (lex_error_ && i + 1 >= toks_.size()) throw *lex_error_;
    return toks_[std::min(i, toks_.size() - 1)];
  }
  std::string display(const Token& t) const {
    return t.type == Tok::Eof ? "'<EOF>'" : override_detail::antlr_quoted(text(t));
  }
  std::string bare(const std::string& m) const { return override_detail::hydra_bare_error(m); }
  std::string prefixed(const std::string& m) const { return override_detail::hydra_prefixed_error(in_, m); }
  // NoViableAltException: the text from the decision's first token through
  // the offending one (end of input is not part of it).
  std::string no_viable(size_t start, size_t offending) const {
    if (tok(start).type == Tok::Eof) return bare("no viable alternative at input '<EOF>'");
    size_t end = tok(offending).type == Tok::Eof ? in_.size() : tok(offending).end;
    return bare("no viable alternative at input " +
                override_detail::antlr_quoted(in_.substr(tok(start).begin, end - tok(start).begin)));
  }
  // match(expected) failed at token k: single-token deletion if the next
  // token is expected, insertion if this one could follow the expected one,
  // else a mismatch.
  std::string match_failed(size_t k, const std::string& expected, std::initializer_list<Tok> expected_set,
                           std::initializer_list<Tok> after_expected) const {
    const Token& t = tok(k);
    if (t.type != Tok::Eof && in(tok(k + 1).type, expected_set))
      return prefixed("extraneous input " + display(t) + " expecting " + expected);
    if (in(t.type, after_expected)) return prefixed("missing " + expected + " at " + display(t));
    return bare("mismatched input " + display(t) + " expecting " + expected);
  }
  // The value decision (element | simpleChoiceSweep) looks ahead through the
  // whole first element, so an error inside it is that decision's; after a
  // complete value, override's match(EOF) fails.
  std::string antlr_text(size_t k) const {
    if (!in_value_) return no_viable(k, k);
    if (after_value_) {
      const Token& t = tok(k);
      if (tok(k + 1).type == Tok::Eof) return prefixed("extraneous input " + display(t) + " expecting <EOF>");
      return bare("mismatched input " + display(t) + " expecting <EOF>");
    }
    size_t start = first_done_ ? elem_start_ : value_start_;
    if (k == start && !starts_element(tok(k).type)) {
      // The block's sync(): one extra token is dropped if the next one fits,
      // else the input does not match. `value?` may also be empty (EOF).
      const char* first =
          "':', BRACKET_OPEN, BRACE_OPEN, FLOAT, INT, BOOL, NULL, UNQUOTED_CHAR, ID, ESC, WS, QUOTED_VALUE, INTERPOLATION}";
      std::string expected = first_done_ ? std::string("{") + first : std::string("{<EOF>, ") + first;
      bool next_fits = starts_element(tok(k + 1).type) || (!first_done_ && tok(k + 1).type == Tok::Eof);
      if (tok(k).type != Tok::Eof && next_fits)
        return prefixed("extraneous input " + display(tok(k)) + " expecting " + expected);
      return bare("mismatched input " + display(tok(k)) + " expecting " + expected);
    }
    return no_viable(start, k);
  }
  static bool starts_element(Tok t) {
    return in(t, {Tok::Colon, Tok::BracketOpen, Tok::BraceOpen, Tok::Float, Tok::Int, Tok::Bool, Tok::Null,
                  Tok::UnquotedChar, Tok::Id, Tok::Esc, Tok::Ws, Tok::QuotedValue, Tok::Interpolation});
  }
  // override's first token: {EQUAL, '~', '+', '@', KEY_SPECIAL, DOT_PATH, ID}.
  std::string at_start(size_t k) const {
    const char* expected = "{EQUAL, '~', '+', '@', KEY_SPECIAL, DOT_PATH, ID}";
    if (tok(k).type != Tok::Eof &&
        in(tok(k + 1).type, {Tok::Equal, Tok::Tilde, Tok::Plus, Tok::At, Tok::KeySpecial, Tok::DotPath, Tok::Id}))
      return prefixed(std::string("extraneous input ") + display(tok(k)) + " expecting " + expected);
    return bare(std::string("mismatched input ") + display(tok(k)) + " expecting " + expected);
  }
  // The key is complete; EQUAL (or, after '~', EQUAL or the end) must follow.
  std::string after_key(size_t k) const {
    if (is_del_) return match_failed(k, "{<EOF>, EQUAL}", {Tok::Eof, Tok::Equal}, {});
    // After EQUAL comes value? EOF; of the key mode's tokens ':', ID and the end can.
    return match_failed(k, "EQUAL", {Tok::Equal}, {Tok::Colon, Tok::Id, Tok::Eof});
  }

  // "found ']'" / "found end of input" / "found 'abc'"
  std::string found(const Token& t) const {
    if (t.type == Tok::Eof) return "end of input";
    std::string s = text(t);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(0, 1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    if (s.empty()) return "whitespace";
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return "'" + s + "'";
  }
  // Where the meaningful character of a token is (past its leading whitespace).
  size_t where(const Token& t) const {
    size_t i = t.begin;
    while (i < t.end && (in_[i] == ' ' || in_[i] == '\t')) ++i;
    return i < t.end ? i : t.begin;
  }

  // ---- key
  static bool is_name(Tok t) { return t == Tok::Id || t == Tok::KeySpecial || t == Tok::DotPath; }

  void parse_key(Override& o) {
    if (is_name(peek().type)) {
      const Token& first = next();
      o.key_or_group = text(first);
      if (peek().type == Tok::Slash) {
        if (first.type != Tok::Id)
          fail_with(peek().begin, "unexpected '/'; a group path (like db/mysql) is made of plain names without '.' or '$'",
                    after_key(pos_));
        while (peek().type == Tok::Slash) {
          next();
          if (peek().type != Tok::Id)
            fail_with(peek().begin, "expected a group name after '/', found " + found(peek()),
                      is_del_ ? match_failed(pos_, "ID", {Tok::Id}, {Tok::Slash, Tok::At, Tok::Equal, Tok::Eof})
                              : match_failed(pos_, "ID", {Tok::Id}, {Tok::Slash, Tok::At, Tok::Equal}));
          o.key_or_group += "/" + text(next());
        }
      }
    } else if (peek().type == Tok::Slash) {
      fail_with(peek().begin, "unexpected '/'; a group path cannot start with '/'",
                pos_ == 0 ? at_start(pos_) : no_viable(pos_, pos_));
    }
    if (peek().type == Tok::At) {
      next();
      o.package = is_name(peek().type) ? text(next()) : std::string();
    }
  }

  [[noreturn]] void fail_key(const Override& o) const {
    const Token& t = peek();
    try {
      fail_key_reason(o, t);
    } catch (const OverrideParseError& e) {
      // A package (the key, or the part after '@') may be empty only where
      // FOLLOW(package) = {'@', EQUAL, EOF} comes next; elsewhere its
      // LL(1) decision has no viable alternative.
      bool empty_package = pos_ == key_begin_ || tok(pos_ - 1).type == Tok::At;
      std::string hydra = pos_ == 0 ? at_start(pos_)
                          : empty_package && !in(t.type, {Tok::At, Tok::Equal, Tok::Eof}) ? no_viable(pos_, pos_)
                                                                                         : after_key(pos_);
      fail_with(e.byte_offset(), e.reason(), hydra);
    }
  }

  [[noreturn]] void fail_key_reason(const Override& o, const Token& t) const {
    switch (t.type) {
      case Tok::Eof:
        fail(t.begin, "expected '=' after the key; write key=value (only ~key may omit the value)");
      case Tok::Colon:
        fail(t.begin, "unexpected ':'; a package is written as group@package (group@pkg1:pkg2 is not supported)");
      case Tok::At:
        fail(t.begin, "unexpected '@'; a key takes at most one @package");
      case Tok::Plus:
        fail(t.begin, o.type == OverrideType::ForceAdd
                          ? "unexpected '+'; the prefix is at most '++'"
                          : "unexpected '+'; the prefix ('+', '++' or '~') comes first");
      case Tok::Tilde:
        fail(t.begin, "unexpected '~'; the prefix ('+', '++' or '~') comes first");
      case Tok::Slash:
        fail(t.begin, "unexpected '/'; a group path needs a name after each '/'");
      default:
        fail(t.begin, "unexpected " + found(t) + " in the key; expected '='");
    }
  }

  // ---- value
  static OverrideValueType value_type_of(const ParsedValue& v) {
    switch (v.kind) {
      case Kind::ChoiceSweep:
        return v.simple_form ? OverrideValueType::SimpleChoiceSweep : OverrideValueType::ChoiceSweep;
      case Kind::Glob: return OverrideValueType::GlobChoiceSweep;
      case Kind::IntervalSweep: return OverrideValueType::IntervalSweep;
      case Kind::RangeSweep: return OverrideValueType::RangeSweep;
      default: return OverrideValueType::Element;
    }
  }

  ParsedValue parse_value() {
    ParsedValue first = parse_element();
    first_done_ = true;
    if (peek().type == Tok::Comma) {
      ParsedValue sweep;
      sweep.kind = Kind::ChoiceSweep;
      sweep.simple_form = true;
      sweep.items.push_back(std::move(first));
      while (peek().type == Tok::Comma) {
        next();
        elem_start_ = pos_;
        sweep.items.push_back(parse_element());
      }
      first = std::move(sweep);
    }
    if (peek().type != Tok::Eof) fail_after_value();
    return first;
  }

  [[noreturn]] void fail_after_value() {
    after_value_ = true;
    const Token& t = peek();
    size_t at = where(t);
    switch (t.type) {
      case Tok::Equal:
        fail(at, "unexpected '=' in the value; escape it as \\= or quote the value");
      case Tok::PClose:
        fail(at, "unexpected ')' without a matching '('; escape it as \\) or quote the value");
      case Tok::BracketClose:
        fail(at, "unexpected ']' without a matching '['; escape it as \\] or quote the value");
      case Tok::BraceClose: {
        bool interp = t.begin > 0 && in_.substr(0, t.begin).rfind("${") != std::string_view::npos;
        fail(at, interp ? "unexpected '}'; a nested interpolation like ${a.${b}} must be quoted"
                        : "unexpected '}' without a matching '{'; escape it as \\} or quote the value");
      }
      case Tok::POpen:
        fail(at, "unexpected '('; only a function name may precede '(' (escape it as \\( or quote the value)");
      case Tok::BraceOpen:
        if (t.begin > 0 && in_[t.begin - 1] == '$')
          fail(at - 1, "unterminated interpolation: '${' needs a closing '}'");
        fail(at, "unexpected '{'; a dict must be a whole value (escape it as \\{ or quote the value)");
      case Tok::BracketOpen:
        fail(at, "unexpected '['; a list must be a whole value (escape it as \\[ or quote the value)");
      case Tok::QuotedValue:
        fail(at, "unexpected quoted string; a quoted string must be a whole value, not part of one");
      case Tok::Ws:
        fail(t.begin, "unexpected whitespace; nothing may follow a quoted string, list, dict or function call");
      default:
        fail(at, "unexpected " + found(t) +
                     (toks_[pos_ > 0 ? pos_ - 1 : 0].type == Tok::QuotedValue
                          ? " after the quoted string; quote the whole value"
                          : "; expected the end of the value"));
    }
  }

  [[noreturn]] void fail_expected_element(const char* context) const {
    const Token& t = peek();
    size_t at = where(t);
    std::string ctx = context;
    switch (t.type) {
      case Tok::Eof: fail(at, "unexpected end of input; expected " + ctx);
      case Tok::Comma: fail(at, "expected " + ctx + " before ','; escape a literal comma as \\,");
      case Tok::Equal: fail(at, "unexpected '='; escape it as \\= or quote the value");
      case Tok::POpen: fail(at, "unexpected '('; escape it as \\( or quote the value");
      default: fail(at, "unexpected " + found(t) + "; expected " + ctx);
    }
  }

  ParsedValue parse_element(const char* context = "a value") {
    if (++depth_ > kMaxDepth)
      fail(peek().begin, "values nested deeper than " + std::to_string(kMaxDepth) + " levels are not supported");
    ParsedValue v = parse_element_inner(context);
    --depth_;
    return v;
  }

  ParsedValue parse_element_inner(const char* context) {
    const Token& t = peek();
    switch (t.type) {
      case Tok::BracketOpen: return parse_list();
      case Tok::BraceOpen: return parse_dict();
      case Tok::QuotedValue: return unquote_token(next());
      case Tok::Id:
        if (peek(1).type == Tok::POpen) return parse_function();
        return parse_primitive(false);
      case Tok::Null: case Tok::Int: case Tok::Float: case Tok::Bool: case Tok::Interpolation:
      case Tok::UnquotedChar: case Tok::Colon: case Tok::Esc: case Tok::Ws:
        return parse_primitive(false);
      default:
        fail_expected_element(context);
    }
  }

  ParsedValue parse_list() {
    const Token open = next();
    ParsedValue list = ParsedValue::list();
    if (peek().type == Tok::BracketClose) {
      next();
      return list;
    }
    for (;;) {
      list.items.push_back(parse_element("a list item"));
      if (peek().type == Tok::Comma) {
        next();
        continue;
      }
      if (peek().type == Tok::BracketClose) {
        next();
        return list;
      }
      fail_unclosed(open, "']'", "the list");
    }
  }

  [[noreturn]] void fail_unclosed(const Token& open, const char* closer, const char* what) const {
    const Token& t = peek();
    if (t.type == Tok::Eof)
      fail(t.begin, std::string("unexpected end of input; ") + what + " opened at column " +
                        std::to_string(column(open.begin) + 1) + " needs a closing " + closer);
    fail(where(t), "unexpected " + found(t) + " in " + what + "; expected ',' or " + closer +
                       (t.type == Tok::Equal ? " (escape a literal '=' as \\=)" : ""));
  }

  size_t column(size_t offset) const {
    size_t col = 0;
    for (size_t i = 0; i < offset && i < in_.size(); ++i)
      if ((static_cast<unsigned char>(in_[i]) & 0xC0) != 0x80) ++col;
    return col;
  }

  ParsedValue parse_dict() {
    const Token open = next();
    ParsedValue dict;
    dict.kind = Kind::Dict;
    std::unordered_map<std::string, size_t> index;  // canonical key -> entry
    if (peek().type == Tok::BraceClose) {
      next();
      return dict;
    }
    for (;;) {
      if (!in(peek().type, {Tok::Id, Tok::Null, Tok::Int, Tok::Float, Tok::Bool, Tok::UnquotedChar, Tok::Esc,
                            Tok::Ws})) {
        const Token& t = peek();
        if (t.type == Tok::QuotedValue)
          fail(where(t), "a dict key cannot be quoted; escape special characters in it with \\ instead");
        if (t.type == Tok::Interpolation) fail(where(t), "a dict key cannot be an interpolation");
        if (t.type == Tok::Eof)
          fail(t.begin, "unexpected end of input; the dict opened at column " + std::to_string(column(open.begin) + 1) +
                            " needs a closing '}'");
        fail(where(t), "unexpected " + found(t) + "; expected a dict key");
      }
      ParsedValue key = parse_primitive(true);
      if (peek().type != Tok::Colon) {
        const Token& t = peek();
        if (t.type == Tok::BraceClose && pos_ > 0)
          fail(where(t), "expected ':' after the dict key; a value like {a} must be quoted or escaped (\\{a\\})");
        fail(where(t), "expected ':' after the dict key, found " + found(t));
      }
      next();
      ParsedValue value = parse_element("a dict value");
      // Like a Python dict: a repeated key (1, 1.0 and true are one key)
      // keeps its first position and takes the last value.
      std::string canon = canonical_key(key);
      auto seen = index.find(canon);
      if (!canon.empty() && seen != index.end()) {
        dict.entries[seen->second].value = std::move(value);
      } else {
        if (!canon.empty()) index.emplace(std::move(canon), dict.entries.size());
        dict.entries.push_back(ParsedEntry{std::move(key), std::move(value)});
      }
      if (peek().type == Tok::Comma) {
        next();
        continue;
      }
      if (peek().type == Tok::BraceClose) {
        next();
        return dict;
      }
      fail_unclosed(open, "'}'", "the dict");
    }
  }

  // Equal dict keys (Python's hash/eq) map to the same string; NaN, which
  // never equals itself, maps to "" (never merged).
  static std::string canonical_key(const ParsedValue& k) {
    switch (k.kind) {
      case Kind::Null: return "null";
      case Kind::Str: return "s:" + k.text;
      case Kind::Bool: return k.boolean ? "n:1" : "n:0";
      case Kind::Int: return "n:" + k.int_text();
      case Kind::Float:
        if (std::isnan(k.floating)) return "";
        if (std::trunc(k.floating) == k.floating && std::fabs(k.floating) < 9.2e18)
          return "n:" + std::to_string(static_cast<int64_t>(k.floating));
        return "f:" + python_float_repr(k.floating);
      default: return "";
    }
  }

  ParsedValue parse_function() {
    const Token name_tok = next();
    next();  // POPEN
    std::vector<ParsedValue> args;
    override_detail::Kwargs kwargs;
    std::unordered_map<std::string, size_t> kwarg_index;
    bool in_kwargs = false;
    if (peek().type != Tok::PClose) {
      for (;;) {
        const Token& t = peek();
        if (t.type == Tok::Id && peek(1).type == Tok::Equal) {
          std::string name = text(next());
          next();  // EQUAL
          ParsedValue v = parse_element("an argument value");
          in_kwargs = true;
          // A repeated keyword replaces the earlier one (a Python dict).
          auto it = kwarg_index.find(name);
          if (it != kwarg_index.end()) {
            kwargs[it->second].second = std::move(v);
          } else {
            kwarg_index.emplace(name, kwargs.size());
            kwargs.emplace_back(std::move(name), std::move(v));
          }
        } else {
          size_t at = where(t);
          ParsedValue v = parse_element("an argument");
          if (in_kwargs && !pending_) pending_.emplace(at, "positional argument follows keyword argument");
          args.push_back(std::move(v));
        }
        if (peek().type == Tok::Comma) {
          next();
          continue;
        }
        if (peek().type == Tok::PClose) break;
        const Token& bad = peek();
        if (bad.type == Tok::Eof)
          fail(bad.begin, "unexpected end of input; the call " + text(name_tok) + "( opened at column " +
                              std::to_string(column(name_tok.begin) + 1) + " needs a closing ')'");
        fail(where(bad), "unexpected " + found(bad) + " in the arguments of " + text(name_tok) +
                             "(); expected ',' or ')'");
      }
    }
    const Token close = next();  // PCLOSE
    if (pending_) return ParsedValue();
    std::string call(in_.substr(name_tok.begin, close.end - name_tok.begin));
    try {
      return override_detail::call_function(text(name_tok), std::move(args), std::move(kwargs));
    } catch (const override_detail::PyError& e) {
      pending_.emplace(name_tok.begin, e.type() + " while evaluating '" + call + "': " + e.what());
    }
    return ParsedValue();
  }

  // ---- primitives (HydraOverrideVisitor._createPrimitive)
  ParsedValue parse_primitive(bool dict_key) {
    size_t first = pos_;
    auto allowed = [dict_key](Tok t) {
      if (in(t, {Tok::Id, Tok::Null, Tok::Int, Tok::Float, Tok::Bool, Tok::UnquotedChar, Tok::Esc, Tok::Ws}))
        return true;
      return !dict_key && (t == Tok::Interpolation || t == Tok::Colon);
    };
    while (allowed(peek().type)) next();
    size_t last = pos_;  // one past
    if (toks_[first].type == Tok::Ws) ++first;
    if (last > first && toks_[last - 1].type == Tok::Ws) --last;
    if (last <= first) fail(toks_[first > 0 ? first - 1 : 0].begin, "a value cannot be only whitespace");
    if (last - first > 1) {
      std::string s;
      for (size_t i = first; i < last; ++i) {
        const Token& t = toks_[i];
        if (t.type == Tok::Esc) {
          for (size_t k = t.begin + 1; k < t.end; k += 2) s += in_[k];
        } else {
          s += in_.substr(t.begin, t.end - t.begin);
        }
      }
      return ParsedValue::of_str(std::move(s));
    }
    const Token& t = toks_[first];
    std::string s = text(t);
    switch (t.type) {
      case Tok::Int: return parse_int(t);
      case Tok::Float: {
        std::string digits;
        for (char c : s)
          if (c != '_') digits += c;
        return ParsedValue::of_float(override_detail::parse_c_double(digits));
      }
      case Tok::Null: return ParsedValue::null();
      case Tok::Bool: return ParsedValue::of_bool(s[0] == 't' || s[0] == 'T');
      case Tok::Esc: {
        std::string u;
        for (size_t k = 1; k < s.size(); k += 2) u += s[k];
        return ParsedValue::of_str(std::move(u));
      }
      default: return ParsedValue::of_str(std::move(s));
    }
  }

  // Python's int(text): unbounded, so 2**70 stays exact.
  ParsedValue parse_int(const Token& t) const {
    std::string digits;
    bool negative = false;
    for (size_t i = t.begin; i < t.end; ++i) {
      char c = in_[i];
      if (c == '-') negative = true;
      else if (c != '_' && c != '+') digits += c;
    }
    return ParsedValue::of_int_decimal(decimal_from_digits(digits, 10, negative));
  }

  // HydraOverrideVisitor._unescape_quoted_string: only backslashes right
  // before a quote are unescaped (\' -> ', \\' -> \ at the end).
  ParsedValue unquote_token(const Token& t) const {
    char q = in_[t.begin];
    std::string out;
    size_t run = 0;
    for (size_t i = t.begin + 1; i < t.end; ++i) {
      char c = in_[i];
      if (c == '\\') {
        ++run;
        continue;
      }
      if (c == q) {
        out.append(run / 2, '\\');
        if (i + 1 < t.end) out += q;  // the last one is the closing quote
      } else {
        out.append(run, '\\');
        out += c;
      }
      run = 0;
    }
    return ParsedValue::of_quoted(std::move(out), q);
  }
};

}  // namespace

namespace {
std::string hydra_text(const std::string& input, const std::string& reason, const std::string& hydra_message) {
  return hydra_message.empty() ? override_detail::hydra_prefixed_error(input, reason) : hydra_message;
}
}  // namespace

OverrideParseError::OverrideParseError(std::string input, size_t byte_offset, std::string reason,
                                       std::string hydra_message)
    : Error(format_message(hydra_text(input, reason, hydra_message), input, byte_offset, reason)),
      input_(std::move(input)),
      offset_(byte_offset),
      reason_(std::move(reason)),
      hydra_message_(hydra_text(input_, reason_, hydra_message)) {}

// Hydra's first error is the one ANTLR reports first (antlr_check); the
// note after it is what the value builder makes of the same tokens, unless
// the builder only gets as far as a later lexer error.
Override parse_override(std::string_view input) {
  const override_detail::LexedInput lexed = override_detail::lex_until_error(input);
  const auto failure = override_detail::antlr_check(input, lexed);
  if (!failure) return Parser(input, lexed).parse();
  if (failure->lexer) throw *lexed.error;
  // Should the builder accept what ANTLR rejects, the note names the token.
  size_t offset = 0;
  std::string reason = "unexpected end of input";
  if (failure->token < lexed.tokens.size() && lexed.tokens[failure->token].type != override_detail::Tok::Eof) {
    const Token& t = lexed.tokens[failure->token];
    offset = t.begin;
    reason = "unexpected " + override_detail::antlr_quoted(input.substr(t.begin, t.end - t.begin));
  } else if (!lexed.tokens.empty()) {
    offset = lexed.tokens.back().begin;
  }
  try {
    Parser(input, lexed).parse();
  } catch (const OverrideParseError& e) {
    if (!lexed.error || e.byte_offset() != lexed.error->byte_offset() || e.reason() != lexed.error->reason()) {
      reason = e.reason();
      offset = e.byte_offset();
    }
  }
  throw OverrideParseError(std::string(input), offset, reason, failure->hydra);
}

std::vector<Override> parse_overrides(const std::vector<std::string>& inputs) {
  std::vector<Override> out;
  out.reserve(inputs.size());
  for (const auto& s : inputs) out.push_back(parse_override(s));
  return out;
}

}  // namespace ragforge::config
