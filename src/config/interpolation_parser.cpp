// Recursive-descent parser for OmegaConfGrammarParser.g4. Error messages use
// ANTLR's wording ("mismatched input ... expecting ...", "no viable
// alternative at input ..."), which is what OmegaConf surfaces.
#include <algorithm>
#include <cstdint>

#include "config/interpolation_error.h"
#include "config/interpolation_grammar.h"
#include "config/interpolation_lexer_internal.h"

namespace ragforge::config::grammar {
namespace {

// Token sets as bit masks over Tok.
using TokSet = uint32_t;
constexpr TokSet bit(Tok t) { return TokSet{1} << static_cast<unsigned>(t); }
constexpr TokSet kTextTokens =
    bit(Tok::AnyStr) | bit(Tok::Esc) | bit(Tok::EscInter) | bit(Tok::TopEsc) | bit(Tok::QuotedEsc);
constexpr TokSet kDictKeyTokens = bit(Tok::Id) | bit(Tok::Null) | bit(Tok::Int) | bit(Tok::Float) | bit(Tok::Bool) |
                                  bit(Tok::UnquotedChar) | bit(Tok::Esc) | bit(Tok::Ws);
constexpr TokSet kPrimitiveTokens = kDictKeyTokens | bit(Tok::Colon) | bit(Tok::InterOpen);
constexpr TokSet kElementStart =
    kPrimitiveTokens | bit(Tok::BracketOpen) | bit(Tok::BraceOpen) | bit(Tok::QuoteOpenSingle) | bit(Tok::QuoteOpenDouble);

bool in(TokSet set, Tok t) { return (set & bit(t)) != 0; }

// ANTLR's display name: the literal for tokens defined by one literal ('.'),
// otherwise the symbolic name.
const char* token_name(Tok t) {
  switch (t) {
    case Tok::AnyStr: return "ANY_STR";
    case Tok::EscInter: return "ESC_INTER";
    case Tok::TopEsc: return "TOP_ESC";
    case Tok::QuotedEsc: return "QUOTED_ESC";
    case Tok::Esc: return "ESC";
    case Tok::InterOpen: return "INTER_OPEN";
    case Tok::InterClose: return "INTER_CLOSE";
    case Tok::BraceOpen: return "BRACE_OPEN";
    case Tok::BraceClose: return "BRACE_CLOSE";
    case Tok::QuoteOpenSingle: return "QUOTE_OPEN_SINGLE";
    case Tok::QuoteOpenDouble: return "QUOTE_OPEN_DOUBLE";
    case Tok::QuoteClose: return "MATCHING_QUOTE_CLOSE";
    case Tok::Comma: return "COMMA";
    case Tok::BracketOpen: return "BRACKET_OPEN";
    case Tok::BracketClose: return "BRACKET_CLOSE";
    case Tok::Colon: return "COLON";
    case Tok::Dot: return "'.'";
    case Tok::Float: return "FLOAT";
    case Tok::Int: return "INT";
    case Tok::Bool: return "BOOL";
    case Tok::Null: return "NULL";
    case Tok::UnquotedChar: return "UNQUOTED_CHAR";
    case Tok::Id: return "ID";
    case Tok::Ws: return "WS";
    case Tok::InterKey: return "INTER_KEY";
    case Tok::Eof: return "<EOF>";
  }
  return "?";
}

// Token types in the order the lexer grammar defines them (ANTLR prints
// expected-token sets in that order).
constexpr Tok kGrammarOrder[] = {
    Tok::AnyStr,     Tok::EscInter,    Tok::TopEsc, Tok::InterOpen,  Tok::BraceOpen, Tok::BraceClose,
    Tok::QuoteOpenSingle, Tok::QuoteOpenDouble, Tok::Comma, Tok::BracketOpen, Tok::BracketClose, Tok::Colon,
    Tok::Float,      Tok::Int,         Tok::Bool,   Tok::Null,       Tok::UnquotedChar, Tok::Id,
    Tok::Esc,        Tok::Ws,          Tok::InterClose, Tok::Dot,    Tok::InterKey,  Tok::QuoteClose,
    Tok::QuotedEsc,
};

std::string set_display(TokSet set) {
  std::vector<std::string> names;
  if (in(set, Tok::Eof)) names.push_back("<EOF>");
  for (Tok t : kGrammarOrder)
    if (in(set, t)) names.push_back(token_name(t));
  if (names.size() == 1) return names[0];
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + "}";
}

class Parser {
 public:
  Parser(std::string_view src, LexResult lexed) : src_(src), lx_(std::move(lexed)) {}

  Ast config_value() {
    Ast text = parse_text(bit(Tok::Eof));
    expect(Tok::Eof, 0);
    return text;
  }

  Ast single_element() {
    Ast e = element(bit(Tok::Eof));
    expect(Tok::Eof, 0);
    return e;
  }

 private:
  const Token& peek(size_t k = 0) const {
    size_t i = std::min(pos_ + k, lx_.tokens.size() - 1);
    return lx_.tokens[i];
  }
  Tok la(size_t k = 0) const { return peek(k).type; }

  // getTokenErrorDisplay: quoted token text, EOF as '<EOF>'.
  static std::string display(const Token& t) { return "'" + error_display(t.text) + "'"; }

  [[noreturn]] void no_viable(size_t start_token) const {
    const Token& off = peek();
    std::string input;
    if (lx_.tokens[start_token].type == Tok::Eof) {
      input = "<EOF>";
    } else {
      size_t end = off.type == Tok::Eof ? off.begin : off.end;
      input = std::string(src_.substr(lx_.tokens[start_token].begin, end - lx_.tokens[start_token].begin));
    }
    throw GrammarParseError("no viable alternative at input '" + error_display(input) + "'");
  }

  // DefaultErrorStrategy.recoverInline: an extra token before the expected
  // one is "extraneous", a token that could follow the expected one means it
  // is "missing", anything else is "mismatched".
  [[noreturn]] void recover_inline(TokSet expected, TokSet follow) const {
    if (la() != Tok::Eof && in(expected, la(1)))
      throw GrammarParseError("extraneous input " + display(peek()) + " expecting " + set_display(expected));
    if (in(follow, la()))
      throw GrammarParseError("missing " + set_display(expected) + " at " + display(peek()));
    throw GrammarParseError("mismatched input " + display(peek()) + " expecting " + set_display(expected));
  }

  Ast terminal() {
    const Token& t = peek();
    Ast a;
    a.kind = Ast::Kind::Terminal;
    a.tok = t.type;
    a.text = t.text;
    a.begin = t.begin;
    a.end = t.end;
    if (pos_ < lx_.tokens.size() - 1) ++pos_;
    return a;
  }
  // `follow`: what may come after `t` here (for the "missing" diagnosis).
  Ast expect(Tok t, TokSet follow) {
    if (la() != t) recover_inline(bit(t), follow);
    return terminal();
  }

  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) {
      if (++d_ > kMaxNesting) {
        --d_;
        throw GrammarParseError("interpolation nesting is deeper than " + std::to_string(kMaxNesting) + " levels");
      }
    }
    ~DepthGuard() { --d_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    int& d_;
  };

  static void span(Ast& a, size_t begin, size_t end) {
    a.begin = begin;
    a.end = end;
  }
  size_t here() const { return peek().begin; }
  size_t last_end() const { return pos_ == 0 ? 0 : lx_.tokens[pos_ - 1].end; }

  // text: (interpolation | ANY_STR | ESC | ESC_INTER | TOP_ESC | QUOTED_ESC)+
  // `follow`: what may come after the text (EOF, or the closing quote).
  Ast parse_text(TokSet follow) {
    Ast text;
    text.kind = Ast::Kind::Text;
    size_t begin = here();
    while (true) {
      if (la() == Tok::InterOpen) text.children.push_back(interpolation(kTextTokens | bit(Tok::InterOpen) | follow));
      else if (in(kTextTokens, la())) text.children.push_back(terminal());
      else break;
    }
    if (text.children.empty()) no_viable(pos_);
    span(text, begin, last_end());
    return text;
  }

  // Decides between interpolationNode and interpolationResolver as ANTLR's
  // prediction does: both read `name(.name)*` alike; a COLON then means a
  // resolver, INTER_CLOSE or a bracket a node, and anything else fits neither.
  enum class Alt { Node, Resolver, Neither };
  Alt predict() const {
    size_t j = pos_ + 1;
    Tok first = lx_.tokens[j].type;
    if (first == Tok::Dot || first == Tok::BracketOpen || first == Tok::InterKey) return Alt::Node;
    while (true) {
      Tok t = lx_.tokens[j].type;
      if (t == Tok::Id) {
        ++j;
      } else if (t == Tok::InterOpen) {
        long close = lx_.close_of[j];
        if (close < 0) return Alt::Neither;
        j = static_cast<size_t>(close) + 1;
      } else if (t == Tok::InterKey && j != pos_ + 1) {
        return Alt::Node;  // `a.0`: only a config key can be an INTER_KEY
      } else {
        return Alt::Neither;
      }
      Tok next = lx_.tokens[j].type;
      if (next == Tok::Colon) return Alt::Resolver;
      if (next == Tok::InterClose || next == Tok::BracketOpen) return Alt::Node;
      if (next != Tok::Dot) return Alt::Neither;
      ++j;
    }
  }

  // Position of the token where predict() gave up, for its error message.
  size_t prediction_failure() const {
    size_t j = pos_ + 1;
    while (true) {
      Tok t = lx_.tokens[j].type;
      if (t == Tok::Id) ++j;
      else if (t == Tok::InterOpen && lx_.close_of[j] >= 0) j = static_cast<size_t>(lx_.close_of[j]) + 1;
      else return j;
      if (lx_.tokens[j].type != Tok::Dot) return j;
      ++j;
    }
  }

  Ast interpolation(TokSet follow) {
    DepthGuard guard(depth_);
    switch (predict()) {
      case Alt::Resolver: return resolver_interpolation(follow);
      case Alt::Node: return node_interpolation(follow);
      case Alt::Neither: break;
    }
    size_t start = pos_;
    pos_ = prediction_failure();  // report up to where prediction failed
    no_viable(start);
  }

  // configKey: interpolation | ID | INTER_KEY
  Ast config_key(TokSet follow) {
    Ast key;
    key.kind = Ast::Kind::ConfigKey;
    size_t begin = here();
    if (la() == Tok::InterOpen) key.children.push_back(interpolation(follow));
    else if (la() == Tok::Id || la() == Tok::InterKey) key.children.push_back(terminal());
    else recover_inline(bit(Tok::InterOpen) | bit(Tok::Id) | bit(Tok::InterKey), 0);
    span(key, begin, last_end());
    return key;
  }

  // INTER_OPEN DOT* (configKey | [configKey]) (DOT configKey | [configKey])* INTER_CLOSE
  Ast node_interpolation(TokSet follow) {
    constexpr TokSet kAfterKey = bit(Tok::Dot) | bit(Tok::BracketOpen) | bit(Tok::InterClose);
    Ast node;
    node.kind = Ast::Kind::NodeInter;
    size_t begin = here();
    terminal();  // INTER_OPEN
    while (la() == Tok::Dot) node.children.push_back(terminal());
    bool first = true;
    while (true) {
      if (la() == Tok::BracketOpen) {
        node.children.push_back(terminal());
        node.children.push_back(config_key(bit(Tok::BracketClose)));
        node.children.push_back(expect(Tok::BracketClose, kAfterKey));
      } else if (first) {
        node.children.push_back(config_key(kAfterKey | bit(Tok::BracketClose)));
      } else if (la() == Tok::Dot) {
        node.children.push_back(terminal());
        node.children.push_back(config_key(kAfterKey));
      } else if (la() == Tok::InterClose) {
        break;
      } else {
        recover_inline(kAfterKey, 0);
      }
      first = false;
    }
    terminal();  // INTER_CLOSE
    span(node, begin, last_end());
    return node;
  }

  // INTER_OPEN resolverName COLON sequence? BRACE_CLOSE
  Ast resolver_interpolation(TokSet follow) {
    Ast res;
    res.kind = Ast::Kind::ResolverInter;
    size_t begin = here();
    terminal();  // INTER_OPEN
    Ast name;
    name.kind = Ast::Kind::ResolverName;
    size_t name_begin = here();
    while (true) {  // (interpolation | ID) (DOT (interpolation | ID))*, checked by predict()
      if (la() == Tok::InterOpen) name.children.push_back(interpolation(bit(Tok::Dot) | bit(Tok::Colon)));
      else name.children.push_back(terminal());
      if (la() != Tok::Dot) break;
      terminal();
    }
    span(name, name_begin, last_end());
    res.children.push_back(std::move(name));
    terminal();  // COLON, checked by predict()
    res.children.push_back(sequence(Tok::BraceClose));
    expect(Tok::BraceClose, follow);
    span(res, begin, last_end());
    return res;
  }

  // sequence: (element (COMMA element?)*) | (COMMA element?)+
  // Missing elements become Kind::Empty (OmegaConf yields "" for them).
  Ast sequence(Tok closer) {
    const TokSet element_follow = bit(Tok::Comma) | bit(closer);
    Ast seq;
    seq.kind = Ast::Kind::Sequence;
    size_t begin = here();
    bool any = false;
    bool previous_comma = true;
    while (true) {
      if (la() == Tok::Comma) {
        if (previous_comma) seq.children.push_back(empty_at(here()));
        terminal();
        previous_comma = true;
        any = true;
      } else if (previous_comma && in(kElementStart, la())) {
        seq.children.push_back(element(element_follow));
        previous_comma = false;
        any = true;
      } else {
        break;  // the caller's closing token must come next
      }
    }
    if (any && previous_comma) seq.children.push_back(empty_at(here()));
    span(seq, begin, any ? last_end() : begin);
    return seq;
  }
  static Ast empty_at(size_t at) {
    Ast e;
    e.kind = Ast::Kind::Empty;
    span(e, at, at);
    return e;
  }

  // element: primitive | quotedValue | listContainer | dictContainer
  Ast element(TokSet follow) {
    switch (la()) {
      case Tok::BracketOpen: return list(follow);
      case Tok::BraceOpen: return dict(follow);
      case Tok::QuoteOpenSingle:
      case Tok::QuoteOpenDouble: return quoted(follow);
      default:
        if (in(kPrimitiveTokens, la())) return primitive(Ast::Kind::Primitive, follow);
        no_viable(pos_);
    }
  }

  Ast primitive(Ast::Kind kind, TokSet follow) {
    Ast prim;
    prim.kind = kind;
    size_t begin = here();
    TokSet accepts = kind == Ast::Kind::Primitive ? kPrimitiveTokens : kDictKeyTokens;
    while (in(accepts, la())) {
      if (la() == Tok::InterOpen) prim.children.push_back(interpolation(kPrimitiveTokens | follow));
      else prim.children.push_back(terminal());
    }
    if (prim.children.empty()) no_viable(pos_);
    span(prim, begin, last_end());
    return prim;
  }

  Ast quoted(TokSet follow) {
    DepthGuard guard(depth_);
    Ast q;
    q.kind = Ast::Kind::Quoted;
    size_t begin = here();
    terminal();
    if (la() != Tok::QuoteClose) q.children.push_back(parse_text(bit(Tok::QuoteClose)));
    expect(Tok::QuoteClose, follow);
    span(q, begin, last_end());
    return q;
  }

  // listContainer: BRACKET_OPEN sequence? BRACKET_CLOSE
  Ast list(TokSet follow) {
    DepthGuard guard(depth_);
    Ast l;
    l.kind = Ast::Kind::List;
    size_t begin = here();
    terminal();
    if (la() == Tok::Comma || in(kElementStart, la())) l.children.push_back(sequence(Tok::BracketClose));
    expect(Tok::BracketClose, follow);
    span(l, begin, last_end());
    return l;
  }

  // dictContainer: BRACE_OPEN (dictKeyValuePair (COMMA dictKeyValuePair)*)? BRACE_CLOSE
  Ast dict(TokSet follow) {
    DepthGuard guard(depth_);
    Ast d;
    d.kind = Ast::Kind::Dict;
    size_t begin = here();
    terminal();
    if (la() != Tok::BraceClose) {
      while (true) {
        if (!in(kDictKeyTokens, la())) recover_inline(kDictKeyTokens | (d.children.empty() ? bit(Tok::BraceClose) : 0), 0);
        d.children.push_back(primitive(Ast::Kind::DictKey, bit(Tok::Colon)));
        expect(Tok::Colon, kElementStart);
        d.children.push_back(element(bit(Tok::Comma) | bit(Tok::BraceClose)));
        if (la() != Tok::Comma) break;
        terminal();
      }
    }
    expect(Tok::BraceClose, follow);
    span(d, begin, last_end());
    return d;
  }

  std::string_view src_;
  LexResult lx_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Ast parse_config_value(std::string_view text) {
  Parser p(text, lex(text, /*value_mode=*/false));
  return p.config_value();
}

Ast parse_single_element(std::string_view text) {
  Parser p(text, lex(text, /*value_mode=*/true));
  return p.single_element();
}

}  // namespace ragforge::config::grammar
