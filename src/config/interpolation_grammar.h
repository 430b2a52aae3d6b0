// OmegaConf 2.3's interpolation grammar (OmegaConfGrammarLexer.g4 /
// OmegaConfGrammarParser.g4), re-implemented by hand: a moded lexer with the
// same tokens and longest-match rules, and a recursive-descent parser that
// builds a small syntax tree. Evaluation lives in interpolation.cpp.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ragforge::config::grammar {

enum class Tok {
  // DEFAULT_MODE / quoted modes
  AnyStr, EscInter, TopEsc, QuotedEsc, Esc,
  // shared
  InterOpen, InterClose, BraceOpen, BraceClose, QuoteOpenSingle, QuoteOpenDouble, QuoteClose,
  Comma, BracketOpen, BracketClose, Colon, Dot,
  // VALUE_MODE primitives
  Float, Int, Bool, Null, UnquotedChar, Id, Ws,
  // INTERPOLATION_MODE
  InterKey,
  Eof,
};

struct Token {
  Tok type;
  std::string text;
  size_t begin = 0;  // byte offsets into the parsed string
  size_t end = 0;
};

// One node of the syntax tree. Children meaning depends on the kind.
struct Ast {
  enum class Kind {
    Terminal,       // a token: `tok`, `text`
    Text,           // configValue / quoted text: Terminal and interpolation children
    NodeInter,      // ${a.b[c]}: Terminal (Dot/BracketOpen/BracketClose) and ConfigKey children
    ConfigKey,      // one child: Terminal (Id/InterKey) or interpolation
    ResolverInter,  // ${name:args}: children[0] = ResolverName, children[1] = Sequence
    ResolverName,   // Terminal(Id) and interpolation children (dots implied)
    Sequence,       // elements; Kind::Empty where an element is missing (`a,,b`)
    Empty,
    Primitive,      // Terminal and interpolation children
    DictKey,        // Terminal children
    Quoted,         // zero children (``''``) or one Text child
    List,           // one Sequence child, or none for `[]`
    Dict,           // alternating DictKey, element children
  };
  Kind kind = Kind::Terminal;
  Tok tok = Tok::Eof;
  std::string text;            // Terminal: the token text
  std::vector<Ast> children;
  size_t begin = 0, end = 0;   // source span (ANTLR's getText() of the subtree)

  bool is_interpolation() const { return kind == Kind::NodeInter || kind == Kind::ResolverInter; }
};

// Deepest nesting of interpolations and containers the parser accepts.
// Deeper input is a GrammarParseError, never a stack overflow.
constexpr int kMaxNesting = 200;

// Rule `configValue` from DEFAULT_MODE: the whole string of a config value.
// Returns a Text node. Throws GrammarParseError.
Ast parse_config_value(std::string_view text);

// Rule `singleElement` from VALUE_MODE, as used by oc.decode. Returns an
// element (Primitive, Quoted, List or Dict). Throws GrammarParseError.
Ast parse_single_element(std::string_view text);

// Tokenizes like ANTLR would (exposed for tests).
std::vector<Token> tokenize(std::string_view text, bool value_mode);

}  // namespace ragforge::config::grammar
