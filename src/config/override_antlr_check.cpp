// Replays Hydra 1.3.2's generated OverrideParser with ANTLR's
// DefaultErrorStrategy to find the first error it reports (see
// override_antlr_check.h). The state numbers in the comments are those of
// the generated OverrideParser.py, where the strategy's sync() runs.
#include "config/override_antlr_check.h"

#include <algorithm>
#include <initializer_list>

#include "config/override_hydra_errors.h"

namespace ragforge::config::override_detail {
namespace {

using TokSet = std::vector<Tok>;

// OverrideLexer's token types (1.3.2): the order of ANTLR's expected sets.
int antlr_type(Tok t) {
  switch (t) {
    case Tok::Eof: return -1;
    case Tok::Equal: return 1;
    case Tok::Tilde: return 2;
    case Tok::Plus: return 3;
    case Tok::At: return 4;
    case Tok::Colon: return 5;
    case Tok::Slash: return 6;
    case Tok::KeySpecial: return 8;
    case Tok::DotPath: return 9;
    case Tok::POpen: return 10;
    case Tok::Comma: return 11;
    case Tok::PClose: return 12;
    case Tok::BracketOpen: return 13;
    case Tok::BracketClose: return 14;
    case Tok::BraceOpen: return 15;
    case Tok::BraceClose: return 16;
    case Tok::Float: return 19;
    case Tok::Int: return 20;
    case Tok::Bool: return 21;
    case Tok::Null: return 22;
    case Tok::UnquotedChar: return 23;
    case Tok::Id: return 24;
    case Tok::Esc: return 25;
    case Tok::Ws: return 26;
    case Tok::QuotedValue: return 27;
    case Tok::Interpolation: return 28;
  }
  return 0;
}

// IntervalSet.toString(literalNames, symbolicNames).
const char* antlr_name(Tok t) {
  switch (t) {
    case Tok::Eof: return "<EOF>";
    case Tok::Equal: return "EQUAL";
    case Tok::Tilde: return "'~'";
    case Tok::Plus: return "'+'";
    case Tok::At: return "'@'";
    case Tok::Colon: return "':'";
    case Tok::Slash: return "'/'";
    case Tok::KeySpecial: return "KEY_SPECIAL";
    case Tok::DotPath: return "DOT_PATH";
    case Tok::POpen: return "POPEN";
    case Tok::Comma: return "COMMA";
    case Tok::PClose: return "PCLOSE";
    case Tok::BracketOpen: return "BRACKET_OPEN";
    case Tok::BracketClose: return "BRACKET_CLOSE";
    case Tok::BraceOpen: return "BRACE_OPEN";
    case Tok::BraceClose: return "BRACE_CLOSE";
    case Tok::Float: return "FLOAT";
    case Tok::Int: return "INT";
    case Tok::Bool: return "BOOL";
    case Tok::Null: return "NULL";
    case Tok::UnquotedChar: return "UNQUOTED_CHAR";
    case Tok::Id: return "ID";
    case Tok::Esc: return "ESC";
    case Tok::Ws: return "WS";
    case Tok::QuotedValue: return "QUOTED_VALUE";
    case Tok::Interpolation: return "INTERPOLATION";
  }
  return "?";
}

std::string set_text(TokSet set) {
  std::sort(set.begin(), set.end(), [](Tok a, Tok b) { return antlr_type(a) < antlr_type(b); });
  set.erase(std::unique(set.begin(), set.end()), set.end());
  if (set.size() == 1) return antlr_name(set[0]);
  std::string s = "{";
  for (size_t i = 0; i < set.size(); ++i) s += (i ? ", " : "") + std::string(antlr_name(set[i]));
  return s + "}";
}

bool has(const TokSet& set, Tok t) { return std::find(set.begin(), set.end(), t) != set.end(); }
TokSet with(TokSet set, std::initializer_list<Tok> more) {
  set.insert(set.end(), more);
  return set;
}

// FIRST(element), the primitive's (...)+ loop, and FIRST(dictKey).
const TokSet kElementFirst = {Tok::Colon, Tok::BracketOpen, Tok::BraceOpen, Tok::Float, Tok::Int,
                              Tok::Bool, Tok::Null, Tok::UnquotedChar, Tok::Id, Tok::Esc, Tok::Ws,
                              Tok::QuotedValue, Tok::Interpolation};
const TokSet kPrimitiveLoop = {Tok::Colon, Tok::Float, Tok::Int, Tok::Bool, Tok::Null,
                               Tok::UnquotedChar, Tok::Id, Tok::Esc, Tok::Ws, Tok::Interpolation};
const TokSet kDictKey = {Tok::Float, Tok::Int, Tok::Bool, Tok::Null, Tok::UnquotedChar, Tok::Id, Tok::Esc, Tok::Ws};
// override's first block (state 50): the key may be empty, so EQUAL starts it too.
const TokSet kOverrideFirst = {Tok::Equal, Tok::Tilde, Tok::Plus, Tok::At, Tok::KeySpecial, Tok::DotPath, Tok::Id};
const TokSet kKeyFirst = {Tok::Equal, Tok::At, Tok::KeySpecial, Tok::DotPath, Tok::Id};

// Deeper values are left to the value builder, which refuses them.
constexpr int kMaxDepth = 256;
struct TooDeep {};

class Replay {
 public:
  Replay(std::string_view in, const LexedInput& lexed) : in_(in), lexed_(lexed) {}

  // override: (key EQUAL value? | TILDE key (EQUAL value?)? | PLUS PLUS? key EQUAL value?) EOF
  void run() {
    sync_block(kOverrideFirst);  // state 50
    const Tok first = la();
    if (first == Tok::Tilde) {
      consume();
      is_del_ = true;
      key();
      sync_block({Tok::Eof, Tok::Equal});  // state 39: (EQUAL value?)?
      if (la() == Tok::Equal) {
        consume();
        optional_value();
      }
    } else {
      if (first == Tok::Plus) {
        consume();
        sync_block(with(kKeyFirst, {Tok::Plus}));  // state 43: PLUS?
        if (la() == Tok::Plus) consume();
      }
      key();
      match(Tok::Equal, with(kElementFirst, {Tok::Eof}));
      optional_value();
    }
    match(Tok::Eof, {});  // state 52
  }

 private:
  std::string_view in_;
  const LexedInput& lexed_;
  size_t pos_ = 0;
  bool is_del_ = false;
  int depth_ = 0;

  // ---- the token stream: ANTLR lexes a token when it is first asked for
  const Token& at(size_t i) const {
    if (i >= lexed_.tokens.size()) {
      if (lexed_.error) throw AntlrFailure{lexed_.error->hydra_message(), i, true};
      return lexed_.tokens.back();
    }
    return lexed_.tokens[i];
  }
  Tok la(size_t k = 1) const { return at(pos_ + k - 1).type; }
  // BufferedTokenStream.consume() also fetches the next token.
  void consume() {
    if (at(pos_).type != Tok::Eof) ++pos_;
    at(pos_);
  }

  // ---- DefaultErrorStrategy's reports
  std::string display(size_t i) const {
    const Token& t = at(i);
    return t.type == Tok::Eof ? "'<EOF>'" : antlr_quoted(in_.substr(t.begin, t.end - t.begin));
  }
  [[noreturn]] void extraneous(const TokSet& expected) const {  // reportUnwantedToken
    throw AntlrFailure{hydra_prefixed_error(in_, "extraneous input " + display(pos_) + " expecting " + set_text(expected)),
                       pos_, false};
  }
  [[noreturn]] void mismatched(const TokSet& expected) const {  // InputMismatchException
    throw AntlrFailure{hydra_bare_error("mismatched input " + display(pos_) + " expecting " + set_text(expected)), pos_,
                       false};
  }
  // Its report takes the text with BufferedTokenStream.getText(), which in
  // ANTLR's Python runtime first fill()s the stream: the lexer then runs to
  // the end, and a lexer error anywhere after is what Hydra shows.
  [[noreturn]] void no_viable(size_t start, size_t offending) const {  // NoViableAltException
    std::string text = "<EOF>";
    if (at(start).type != Tok::Eof) {
      if (lexed_.error) throw AntlrFailure{lexed_.error->hydra_message(), lexed_.tokens.size(), true};
      size_t end = at(offending).type == Tok::Eof ? at(offending).begin : at(offending).end;
      text = std::string(in_.substr(at(start).begin, end - at(start).begin));
    }
    throw AntlrFailure{hydra_bare_error("no viable alternative at input " + antlr_quoted(text)), offending, false};
  }

  // sync() at a block start, a (...)+ block start or a (...)* loop entry
  // whose next tokens do not include the rule's end: single-token deletion
  // (LA(2) fits) or a mismatch.
  void sync_block(const TokSet& expected) const {
    if (has(expected, la())) return;
    if (has(expected, la(2))) extraneous(expected);
    mismatched(expected);
  }
  // sync() at a (...)* loop back: reportUnwantedToken.
  void sync_loop_back(const TokSet& expected) const {
    if (!has(expected, la())) extraneous(expected);
  }
  // match() with recoverInline: deletion, then insertion (the current token
  // could follow the missing one), then a mismatch.
  void match(Tok t, const TokSet& after) {
    if (la() == t) {
      if (t != Tok::Eof) consume();
      return;
    }
    if (la(2) == t) extraneous({t});
    if (has(after, la()))
      throw AntlrFailure{hydra_prefixed_error(in_, "missing " + set_text({t}) + " at " + display(pos_)), pos_, false};
    mismatched({t});
  }

  // ---- key: packageOrGroup (AT package)?
  void key() {
    package_or_group();
    if (la() == Tok::At) {  // state 57 (its next tokens include the rule's end)
      consume();
      package();
    }
  }
  // package | ID (SLASH ID)+ ; decision 8 reads a second token after an ID.
  void package_or_group() {
    if (la() == Tok::Id && la(2) == Tok::Slash) {
      consume();
      while (la() == Tok::Slash) {
        consume();
        match(Tok::Id, is_del_ ? TokSet{Tok::Slash, Tok::At, Tok::Equal, Tok::Eof}
                               : TokSet{Tok::Slash, Tok::At, Tok::Equal});
      }
      return;
    }
    package();
  }
  // ( | ID | KEY_SPECIAL | DOT_PATH ): an LL(1) switch raising NoViableAlt.
  void package() {
    switch (la()) {
      case Tok::Eof: case Tok::Equal: case Tok::At: return;
      case Tok::Id: case Tok::KeySpecial: case Tok::DotPath: consume(); return;
      default: no_viable(pos_, pos_);
    }
  }

  // ---- value
  // The optional value after EQUAL (states 31, 37, 48).
  void optional_value() {
    sync_block(with(kElementFirst, {Tok::Eof}));
    if (has(kElementFirst, la())) value();
  }
  // value: element | simpleChoiceSweep. Decision 10 reads the whole first
  // element and the token after it; it fails only inside the element.
  void value() {
    const size_t start = pos_;
    size_t i = pos_;
    if (!predict_element(i)) no_viable(start, i);
    const bool sweep = at(i).type == Tok::Comma;
    element();
    if (!sweep) return;
    // simpleChoiceSweep: element (COMMA element)+ ; its loop back (state 90)
    // may end the rule, so it never reports.
    while (la() == Tok::Comma) {
      consume();
      element();
    }
  }

  // What adaptive prediction does with an element from token i: true and i
  // one past it, or false and i at the token where no alternative remains.
  bool predict_element(size_t& i) {
    if (++depth_ > kMaxDepth) throw TooDeep{};
    bool ok = predict_element_inner(i);
    --depth_;
    return ok;
  }
  bool predict_element_inner(size_t& i) {
    const Tok t = at(i).type;
    if (t == Tok::QuotedValue) return ++i, true;
    if (t == Tok::BracketOpen) return predict_sequence(++i, Tok::BracketClose, [this](size_t& k) { return predict_element(k); });
    if (t == Tok::BraceOpen) {
      return predict_sequence(++i, Tok::BraceClose, [this](size_t& k) {
        if (!has(kDictKey, at(k).type)) return false;
        while (has(kDictKey, at(k).type)) ++k;
        if (at(k).type != Tok::Colon) return false;
        return predict_element(++k);
      });
    }
    if (t == Tok::Id && at(i + 1).type == Tok::POpen) {
      i += 2;
      return predict_sequence(i, Tok::PClose, [this](size_t& k) {
        if (at(k).type == Tok::Id && at(k + 1).type == Tok::Equal) k += 2;
        return predict_element(k);
      });
    }
    if (!has(kPrimitiveLoop, t)) return false;
    while (has(kPrimitiveLoop, at(i).type)) ++i;
    return true;
  }
  // (item (COMMA item)*)? CLOSE
  template <class Item>
  bool predict_sequence(size_t& i, Tok close, Item item) {
    if (at(i).type == close) return ++i, true;
    for (;;) {
      if (!item(i)) return false;
      if (at(i).type == Tok::Comma) {
        ++i;
        continue;
      }
      if (at(i).type != close) return false;
      return ++i, true;
    }
  }

  // element: primitive | listContainer | dictContainer | function
  void element() {
    if (++depth_ > kMaxDepth) throw TooDeep{};
    sync_block(kElementFirst);  // state 83
    switch (la()) {             // decision 11
      case Tok::BracketOpen: list(); break;
      case Tok::BraceOpen: dict(); break;
      case Tok::QuotedValue: consume(); break;
      case Tok::Id:
        if (la(2) == Tok::POpen) {
          function();
          break;
        }
        [[fallthrough]];
      default:
        while (has(kPrimitiveLoop, la())) consume();  // its loop back may end the rule
    }
    --depth_;
  }

  // BRACKET_OPEN (element (COMMA element)*)? BRACKET_CLOSE
  void list() {
    consume();
    sync_block(with(kElementFirst, {Tok::BracketClose}));  // state 124
    if (has(kElementFirst, la())) {
      element();
      sync_block({Tok::Comma, Tok::BracketClose});  // state 121
      while (la() == Tok::Comma) {
        consume();
        element();
        sync_loop_back({Tok::Comma, Tok::BracketClose});  // state 123
      }
    }
    consume();  // BRACKET_CLOSE, which the syncs ensured
  }

  // BRACE_OPEN (dictKeyValuePair (COMMA dictKeyValuePair)*)? BRACE_CLOSE
  void dict() {
    consume();
    sync_block(with(kDictKey, {Tok::BraceClose}));  // state 137
    if (has(kDictKey, la())) {
      pair();
      sync_block({Tok::Comma, Tok::BraceClose});  // state 134
      while (la() == Tok::Comma) {
        consume();
        pair();
        sync_loop_back({Tok::Comma, Tok::BraceClose});  // state 136
      }
    }
    consume();  // BRACE_CLOSE
  }
  // dictKey COLON element
  void pair() {
    sync_block(kDictKey);  // state 154
    while (has(kDictKey, la())) consume();
    match(Tok::Colon, kElementFirst);
    element();
  }

  // ID POPEN (argName? element (COMMA argName? element)*)? PCLOSE
  void function() {
    consume();
    consume();
    sync_block(with(kElementFirst, {Tok::PClose}));  // state 111
    if (has(kElementFirst, la())) {
      argument();
      sync_block({Tok::Comma, Tok::PClose});  // state 108
      while (la() == Tok::Comma) {
        consume();
        sync_block(kElementFirst);  // state 103
        argument();
        sync_loop_back({Tok::Comma, Tok::PClose});  // state 110
      }
    }
    consume();  // PCLOSE
  }
  // Decisions 13/14 (argName?): after an ID, '=' names an argument; a token
  // that neither names one nor continues an element leaves no alternative.
  void argument() {
    if (la() == Tok::Id) {
      const Tok next = la(2);
      if (next == Tok::Equal) {
        consume();
        consume();
      } else if (next != Tok::POpen && next != Tok::Comma && next != Tok::PClose && !has(kPrimitiveLoop, next)) {
        no_viable(pos_, pos_ + 1);
      }
    }
    element();
  }
};

}  // namespace

std::optional<AntlrFailure> antlr_check(std::string_view input, const LexedInput& lexed) {
  try {
    Replay(input, lexed).run();
  } catch (const AntlrFailure& f) {
    return f;
  } catch (const TooDeep&) {
  }
  return std::nullopt;
}

}  // namespace ragforge::config::override_detail
