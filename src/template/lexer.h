// Splits a template into tokens the way jinja2's lexer does with the options
// transformers uses (trim_blocks=True, lstrip_blocks=True,
// keep_trailing_newline=False): whitespace control, comments and {% raw %}
// are resolved here, so the parser only sees data text and tag contents.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ragforge::tmpl {

struct Token {
  enum class Type { Data, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, Eof };
  Type type;
  std::string text;  // data text, name, decoded string literal, operator, or number digits
  int line = 1;
  int col = 1;
  int64_t int_value = 0;
  double float_value = 0.0;
};

// Throws ragforge::Error ("chat template syntax error at line L, column C: ...").
std::vector<Token> tokenize(const std::string& source);

// Formats a template error the way every error of the interpreter reads.
std::string template_error(const char* kind, int line, int col, const std::string& message);

}  // namespace ragforge::tmpl
