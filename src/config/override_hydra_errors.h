// Hydra's text for a rejected override, in ANTLR's wording.
//
// Hydra 1.3.2 (OverridesParser.parse_overrides) shows one of three forms:
//   - a lexer error:  "LexerNoViableAltException: <input>\n<caret>";
//   - a parser error that ANTLR raised as an exception (no viable
//     alternative, mismatched input): the bare ANTLR message;
//   - anything else (ANTLR's single-token recovery reports, "missing X at
//     'y'" and "extraneous input 'x' expecting Y", and errors raised while
//     evaluating functions): "Error parsing override '<input>'\n<message>".
// Each ends with "\nSee https://hydra.cc/docs/1.2/advanced/override_grammar/basic
// for details". Internal to the override parser.
#pragma once
#include <string>
#include <string_view>

namespace ragforge::config::override_detail {

// The forms above; each returns the whole text, the "See ..." line included.
std::string hydra_lexer_error(std::string_view input, size_t byte_offset);
std::string hydra_bare_error(const std::string& antlr_message);
std::string hydra_prefixed_error(std::string_view input, const std::string& message);

// ANTLR's getTokenErrorDisplay / escapeWSAndQuote: the text in single
// quotes with \n, \r and \t written as escapes; "<EOF>" for end of input.
std::string antlr_quoted(std::string_view text);

}  // namespace ragforge::config::override_detail
