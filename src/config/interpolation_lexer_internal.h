// Shared between the grammar's lexer and parser; not part of the public API.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "config/interpolation_grammar.h"

namespace ragforge::config::grammar {

struct LexResult {
  std::vector<Token> tokens;  // ends with Tok::Eof
  // For a token that pushed a lexer mode (`${`, `{`, quotes): the index of the
  // token that popped it, or -1 when the input ended first.
  std::vector<long> close_of;
};

LexResult lex(std::string_view text, bool value_mode);

// ANTLR's getErrorDisplay: newlines and tabs shown escaped.
std::string error_display(std::string_view text);

}  // namespace ragforge::config::grammar
