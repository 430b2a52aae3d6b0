// Recursive-descent parser for OmegaConfGrammarParser.g4. Error messages use
// ANTLR's wording ("mismatched input ... expecting ...", "no viable
// alternative at input ..."), which is what OmegaConf surfaces.
#include "config/interpolation_error.h"
#include "config/interpolation_grammar.h"
#include "config/interpolation_lexer_internal.h"

namespace ragforge::config::grammar {
namespace {

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

bool is_text_token(Tok t) {
  return t == Tok::AnyStr || t == Tok::Esc || t == Tok::EscInter || t == Tok::TopEsc || t == Tok::QuotedEsc;
}
bool is_dict_key_token(Tok t) {
  return t == Tok::Id || t == Tok::Null || t == Tok::Int || t == Tok::Float || t == Tok::Bool ||
         t == Tok::UnquotedChar || t == Tok::Esc || t == Tok::Ws;
}
bool is_primitive_token(Tok t) { return is_dict_key_token(t) || t == Tok::Colon || t == Tok::InterOpen; }
bool starts_element(Tok t) {
  return is_primitive_token(t) || t == Tok::BracketOpen || t == Tok::BraceOpen || t == Tok::QuoteOpenSingle ||
         t == Tok::QuoteOpenDouble;
}

class Parser {
 public:
  Parser(std::string_view src, LexResult lexed) : src_(src), lx_(std::move(lexed)) {}

  Ast config_value() {
    Ast text = parse_text();
    expect(Tok::Eof, "<EOF>");
    return text;
  }

  Ast single_element() {
    Ast e = element();
    expect(Tok::Eof, "<EOF>");
    return e;
  }

 private:
  const Token& peek(size_t k = 0) const {
    size_t i = std::min(pos_ + k, lx_.tokens.size() - 1);
    return lx_.tokens[i];
  }
  Tok la(size_t k = 0) const { return peek(k).type; }

  static std::string display(const Token& t) {
    return t.type == Tok::Eof ? "<EOF>" : "'" + error_display(t.text) + "'";
  }
  [[noreturn]] void mismatched(const std::string& expecting) const {
    throw GrammarParseError("mismatched input " + display(peek()) + " expecting " + expecting);
  }
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
  Ast expect(Tok t, const std::string& expecting) {
    if (la() != t) mismatched(expecting);
    return terminal();
  }

  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) {
      if (++d_ > kMaxNesting)
        throw GrammarParseError("interpolation nesting is deeper than " + std::to_string(kMaxNesting) + " levels");
    }
    ~DepthGuard() { --d_; }
    int& d_;
  };

  static void span(Ast& a, size_t begin, size_t end) {
    a.begin = begin;
    a.end = end;
  }
  size_t here() const { return peek().begin; }
  size_t last_end() const { return pos_ == 0 ? 0 : lx_.tokens[pos_ - 1].end; }

  // text: (interpolation | ANY_STR | ESC | ESC_INTER | TOP_ESC | QUOTED_ESC)+
  Ast parse_text() {
    Ast text;
    text.kind = Ast::Kind::Text;
    size_t begin = here();
    while (true) {
      if (la() == Tok::InterOpen) text.children.push_back(interpolation());
      else if (is_text_token(la())) text.children.push_back(terminal());
      else break;
    }
    if (text.children.empty()) no_viable(pos_);
    span(text, begin, last_end());
    return text;
  }

  // Decides between interpolationNode and interpolationResolver the way
  // ANTLR's lookahead does: a resolver name, then a colon.
  bool looks_like_resolver() const {
    size_t j = pos_ + 1;
    while (true) {
      Tok t = lx_.tokens[j].type;
      if (t == Tok::Id) {
        ++j;
      } else if (t == Tok::InterOpen) {
        long close = lx_.close_of[j];
        if (close < 0) return false;
        j = static_cast<size_t>(close) + 1;
      } else {
        return false;
      }
      if (lx_.tokens[j].type == Tok::Colon) return true;
      if (lx_.tokens[j].type != Tok::Dot) return false;
      ++j;
    }
  }

  Ast interpolation() {
    DepthGuard guard(depth_);
    return looks_like_resolver() ? resolver_interpolation() : node_interpolation();
  }

  // configKey: interpolation | ID | INTER_KEY
  Ast config_key(size_t start) {
    Ast key;
    key.kind = Ast::Kind::ConfigKey;
    size_t begin = here();
    if (la() == Tok::InterOpen) key.children.push_back(interpolation());
    else if (la() == Tok::Id || la() == Tok::InterKey) key.children.push_back(terminal());
    else no_viable(start);
    span(key, begin, last_end());
    return key;
  }

  // INTER_OPEN DOT* (configKey | [configKey]) (DOT configKey | [configKey])* INTER_CLOSE
  Ast node_interpolation() {
    size_t start = pos_;
    Ast node;
    node.kind = Ast::Kind::NodeInter;
    size_t begin = here();
    terminal();  // INTER_OPEN
    while (la() == Tok::Dot) node.children.push_back(terminal());
    bool first = true;
    while (true) {
      if (la() == Tok::BracketOpen) {
        node.children.push_back(terminal());
        node.children.push_back(config_key(start));
        if (la() != Tok::BracketClose) mismatched("BRACKET_CLOSE");
        node.children.push_back(terminal());
      } else if (first) {
        node.children.push_back(config_key(start));
      } else if (la() == Tok::Dot) {
        node.children.push_back(terminal());
        node.children.push_back(config_key(start));
      } else if (la() == Tok::InterClose) {
        break;
      } else {
        no_viable(start);
      }
      first = false;
    }
    terminal();  // INTER_CLOSE
    span(node, begin, last_end());
    return node;
  }

  // INTER_OPEN resolverName COLON sequence? BRACE_CLOSE
  Ast resolver_interpolation() {
    Ast res;
    res.kind = Ast::Kind::ResolverInter;
    size_t begin = here();
    terminal();  // INTER_OPEN
    Ast name;
    name.kind = Ast::Kind::ResolverName;
    size_t name_begin = here();
    while (true) {  // (interpolation | ID) (DOT (interpolation | ID))*
      if (la() == Tok::InterOpen) name.children.push_back(interpolation());
      else name.children.push_back(terminal());  // an ID: looks_like_resolver checked it
      if (la() != Tok::Dot) break;
      terminal();
    }
    span(name, name_begin, last_end());
    res.children.push_back(std::move(name));
    terminal();  // COLON, also checked by looks_like_resolver
    res.children.push_back(sequence(Tok::BraceClose));
    expect(Tok::BraceClose, "BRACE_CLOSE");
    span(res, begin, last_end());
    return res;
  }

  // sequence: (element (COMMA element?)*) | (COMMA element?)+
  // Missing elements become Kind::Empty (OmegaConf yields "" for them).
  Ast sequence(Tok closer) {
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
      } else if (starts_element(la())) {
        if (!previous_comma)
          throw GrammarParseError("extraneous input " + display(peek()) + " expecting {COMMA, " +
                                  token_name(closer) + "}");
        seq.children.push_back(element());
        previous_comma = false;
        any = true;
      } else {
        break;
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
  Ast element() {
    switch (la()) {
      case Tok::BracketOpen: return list();
      case Tok::BraceOpen: return dict();
      case Tok::QuoteOpenSingle:
      case Tok::QuoteOpenDouble: return quoted();
      default:
        if (is_primitive_token(la())) return primitive(Ast::Kind::Primitive);
        no_viable(pos_);
    }
  }

  Ast primitive(Ast::Kind kind) {
    Ast prim;
    prim.kind = kind;
    size_t begin = here();
    bool (*accepts)(Tok) = kind == Ast::Kind::Primitive ? is_primitive_token : is_dict_key_token;
    while (accepts(la())) {
      if (la() == Tok::InterOpen) prim.children.push_back(interpolation());
      else prim.children.push_back(terminal());
    }
    if (prim.children.empty()) no_viable(pos_);
    span(prim, begin, last_end());
    return prim;
  }

  Ast quoted() {
    DepthGuard guard(depth_);
    Ast q;
    q.kind = Ast::Kind::Quoted;
    size_t begin = here();
    terminal();
    if (la() != Tok::QuoteClose) q.children.push_back(parse_text());
    expect(Tok::QuoteClose, "MATCHING_QUOTE_CLOSE");
    span(q, begin, last_end());
    return q;
  }

  // listContainer: BRACKET_OPEN sequence? BRACKET_CLOSE
  Ast list() {
    DepthGuard guard(depth_);
    Ast l;
    l.kind = Ast::Kind::List;
    size_t begin = here();
    terminal();
    if (la() != Tok::BracketClose) l.children.push_back(sequence(Tok::BracketClose));
    expect(Tok::BracketClose, "BRACKET_CLOSE");
    span(l, begin, last_end());
    return l;
  }

  // dictContainer: BRACE_OPEN (dictKeyValuePair (COMMA dictKeyValuePair)*)? BRACE_CLOSE
  Ast dict() {
    DepthGuard guard(depth_);
    Ast d;
    d.kind = Ast::Kind::Dict;
    size_t begin = here();
    terminal();
    if (la() != Tok::BraceClose) {
      while (true) {
        if (!is_dict_key_token(la())) no_viable(pos_);
        d.children.push_back(primitive(Ast::Kind::DictKey));
        expect(Tok::Colon, "COLON");
        d.children.push_back(element());
        if (la() == Tok::Comma) {
          terminal();
          continue;
        }
        break;
      }
    }
    expect(Tok::BraceClose, "{COMMA, BRACE_CLOSE}");
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
