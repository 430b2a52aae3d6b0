// RAG-FiT's normalize_text (ragfit/evaluation/metrics.py; recipes.md §0
// `norm`), with Python 3's exact str semantics, because EM, F1, StringEM and
// Classification all compare normalised text:
//
//   white_space_fix(remove_articles(remove_punc(lower(s))))
//
//   lower            str.lower(): full Unicode case mapping, no locale
//                    ("İ" -> "i̇", final "Σ" -> "ς", "ǅ" -> "ǆ")
//   remove_punc      drops the 32 ASCII string.punctuation characters only
//                    (Unicode quotes and dashes stay)
//   remove_articles  re.sub(r"\b(a|an|the)\b", " ", s) with Python's Unicode
//                    \b: letters, numeric characters and "_" are word
//                    characters; combining marks are not ("the\u0301" loses
//                    "the")
//   white_space_fix  " ".join(s.split()): str.split's whitespace (NBSP,
//                    U+2003, U+3000, \x1c-\x1f, \x85, ...; not U+200B/U+FEFF)
//
// No Unicode normalisation: "café" (U+00E9) and "cafe\u0301" stay different.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ragforge::evaluation {

// The input must be valid UTF-8 (JSON strings always are); throws
// ragforge::Error otherwise.
std::string normalize_text(std::string_view text);

// Python's str.lower() on UTF-8 text.
std::string python_lower(std::string_view text);

// Python's str.isspace() for one code point (what str.split() splits on).
bool is_python_whitespace(char32_t cp);
// A word character of Python's Unicode `re` (\w): str.isalnum() or "_".
bool is_python_word_char(char32_t cp);

// The whitespace-separated tokens of normalised text (F1's tokens).
std::vector<std::string> split_tokens(std::string_view normalized);

}  // namespace ragforge::evaluation
