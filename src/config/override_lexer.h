// Tokens of Hydra's override grammar (OverrideLexer.g4, Hydra 1.3.2).
//
// Like ANTLR, the lexer takes the longest match at each position and breaks
// ties by rule order. It starts in key mode and switches to value mode at the
// first '='. Internal to the override parser.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ragforge::config::override_detail {

enum class Tok {
  // key mode
  Equal,       // '=' WS?  (also VALUE_EQUAL: WS? '=' WS?)
  Tilde,       // '~'
  Plus,        // '+'
  At,          // '@'
  Colon,       // ':'  (also VALUE_COLON: WS? ':' WS?)
  Slash,       // '/'
  Id,          // (CHAR|'_') (CHAR|DIGIT|'_'|'-')*
  KeySpecial,  // (CHAR|'_'|'$') (CHAR|DIGIT|'_'|'-'|'$')*
  DotPath,     // segment ('.' segment)+
  // value mode
  POpen,
  Comma,
  PClose,
  BracketOpen,
  BracketClose,
  BraceOpen,
  BraceClose,
  Float,
  Int,
  Bool,
  Null,
  UnquotedChar,
  Esc,
  Ws,
  QuotedValue,
  Interpolation,
  Eof
};

struct Token {
  Tok type;
  size_t begin;  // byte offsets into the input
  size_t end;
};

// The tokenizer itself is lex_until_error() (override_antlr_check.h): the
// tokens before the first character no rule matches, and that error.

// A character for an error message: '#', '\t', '\x00', 'é'.
std::string describe_char(std::string_view input, size_t offset);

const char* token_name(Tok t);

}  // namespace ragforge::config::override_detail
