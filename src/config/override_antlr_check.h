// Which error Hydra's generated ANTLR parser reports first for an override,
// in ANTLR's wording. Internal to the override parser.
//
// Hydra's error listener raises at the first report, so only the first error
// counts, and which one comes first depends on how far ANTLR has read: its
// lexer makes tokens only as the parser asks for them (LA(k), including the
// lookahead of adaptive prediction and of single-token deletion), so a lexer
// error is reported only once the parser reaches that token. The check
// replays the generated OverrideParser's control flow (Hydra 1.3.2) with
// DefaultErrorStrategy's sync / match / recoverInline and the SLL outcome of
// its adaptivePredict decisions:
//   - value: element | simpleChoiceSweep predicts by reading the whole first
//     element and the token after it; an error inside it is "no viable
//     alternative at input '<value so far>'".
//   - element reads one token (two after an ID: '(' makes it a function).
//   - argName? in a call reads two tokens after an ID; neither '=' nor a
//     continuation of an element is "no viable alternative".
//   - packageOrGroup reads two tokens after an ID ('/' makes it a group).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/override.h"
#include "config/override_lexer.h"

namespace ragforge::config::override_detail {

// The tokens before the lexer's first error, and that error (whose text is
// Hydra's LexerNoViableAltException form). Without an error the tokens end
// with Eof.
struct LexedInput {
  std::vector<Token> tokens;
  std::optional<OverrideParseError> error;
};
LexedInput lex_until_error(std::string_view input);

struct AntlrFailure {
  std::string hydra;      // Hydra's whole text, "See ..." line included
  size_t token = 0;       // index of the offending token
  bool lexer = false;     // the lexer's error (then LexedInput::error is it)
};

// nullopt when ANTLR parses the override without a syntax error.
std::optional<AntlrFailure> antlr_check(std::string_view input, const LexedInput& lexed);

}  // namespace ragforge::config::override_detail
