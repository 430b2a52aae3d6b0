// Python `re` patterns (as RAG-FiT configs write them) for RE2, which has the
// same syntax for everything but a few escapes. This rewrites the escapes
// whose meaning differs, so they match what Python 3 matches on str:
//   \d \D        Unicode decimal digits (\p{Nd}), as Python's
//   \s \S        Python's whitespace set (str.isspace())
//   \w \W        Unicode letters, numbers and "_" (\p{L}\p{N}_)
//   \Z           end of text (RE2 spells it \z)
//   \uXXXX \UXXXXXXXX   code points (RE2: \x{...})
// \S and \W inside a character class have no RE2 form and are errors, as
// are what RE2 lacks altogether (lookaround, backreferences), which RE2
// reports when compiling. \b and \B stay RE2's ASCII word boundaries, and
// `$` without MULTILINE matches only at the very end (Python's also matches
// before a final newline).
#pragma once
#include <string>
#include <string_view>

namespace ragforge::evaluation {

// Throws ragforge::Error for the unsupported class escapes above.
std::string python_pattern_to_re2(std::string_view pattern);

}  // namespace ragforge::evaluation
