// Oniguruma regexes on RE2.
//
// The lookahead `\s+(?!\S)` (GPT-4, Qwen2/3, Llama 3 patterns) means "a run of
// whitespace that is not followed by a non-space": the whole run at the end of
// the text, otherwise the run minus its last character (which then joins the
// next word), and no match at all for a single space before a word. RE2 has no
// lookahead, so that alternative is compiled as plain `\s+` and each match it
// produces is corrected afterwards:
//   * a whitespace-only match at position p that no earlier alternative
//     matches at p came from that alternative and is the maximal run;
//   * it is kept at the end of the text, shortened by one character when it
//     has two or more, and otherwise replaced by what the later alternatives
//     match at p (or skipped, searching again from p + 1 character).
// Leftmost-first alternation makes this exactly Oniguruma's result.
#include "tokenizer/pattern.h"

#include <re2/re2.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {

namespace {

// Oniguruma's Unicode \s: U+0009-000D, U+0085 and the Z categories.
constexpr const char* kSpaceItems = "\\t\\n\\x0B\\f\\r\\x{85}\\p{Z}";
// Its complement as ranges, for \S inside a character class.
constexpr const char* kNonSpaceItems =
    "\\x00-\\x08\\x0E-\\x1F\\x21-\\x{84}\\x{86}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}"
    "\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{10FFFF}";

// Oniguruma's Unicode \w is UTS #18's word class: Alphabetic, Mark,
// Decimal_Number, Connector_Punctuation and Join_Control. RE2 knows no
// Alphabetic property, so the class is spelled out as ranges from ICU.
const std::string& word_items() {
  static const std::string items = [] {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeSet set(icu::UnicodeString(u"[[:Alphabetic:][:M:][:Nd:][:Pc:][:Join_Control:]]"), status);
    if (U_FAILURE(status)) throw Error(std::string("ICU word class failed: ") + u_errorName(status));
    std::string out;
    char buf[40];
    for (int32_t i = 0; i < set.getRangeCount(); ++i) {
      const UChar32 lo = set.getRangeStart(i), hi = set.getRangeEnd(i);
      if (lo == hi)
        std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(lo));
      else
        std::snprintf(buf, sizeof buf, "\\x{%X}-\\x{%X}", static_cast<unsigned>(lo), static_cast<unsigned>(hi));
      out += buf;
    }
    return out;
  }();
  return items;
}

[[noreturn]] void unsupported(const std::string& where, std::string_view pattern, const std::string& why) {
  throw Error(where + ": regex '" + std::string(pattern) + "' is not supported: " + why);
}

// Splits at top-level '|'.
std::vector<std::string> top_level_alternatives(std::string_view p) {
  std::vector<std::string> alts(1);
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      alts.back() += p.substr(i, 2);
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      alts.back() += c;
      // A ']' right after '[' or '[^' is a literal.
      if (i + 1 < p.size() && p[i + 1] == '^') alts.back() += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') alts.back() += p[++i];
      continue;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      alts.emplace_back();
      continue;
    }
    alts.back() += c;
  }
  return alts;
}

bool has_lookaround(std::string_view p) {
  for (size_t i = 0; i + 2 < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
      continue;
    }
    if (p[i] == '(' && p[i + 1] == '?' &&
        (p[i + 2] == '=' || p[i + 2] == '!' ||
         (p[i + 2] == '<' && i + 3 < p.size() && (p[i + 3] == '=' || p[i + 3] == '!'))))
      return true;
  }
  return false;
}

}  // namespace

std::string translate_oniguruma(std::string_view p, const std::string& where) {
  std::string out;
  out.reserve(p.size() * 2);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) unsupported(where, p, "it ends with a lone backslash");
      const char e = p[++i];
      switch (e) {
        case 's': out += in_class ? std::string(kSpaceItems) : std::string("[") + kSpaceItems + "]"; break;
        case 'S': out += in_class ? std::string(kNonSpaceItems) : std::string("[^") + kSpaceItems + "]"; break;
        case 'd': out += "\\p{Nd}"; break;
        case 'D': out += "\\P{Nd}"; break;
        case 'w': out += in_class ? word_items() : "[" + word_items() + "]"; break;
        case 'W':
          if (in_class) unsupported(where, p, "\\W inside a character class");
          out += "[^" + word_items() + "]";
          break;
        case 'h': out += in_class ? "0-9a-fA-F" : "[0-9a-fA-F]"; break;
        case 'H':
          if (in_class) unsupported(where, p, "\\H inside a character class");
          out += "[^0-9a-fA-F]";
          break;
        case 'p':
        case 'P': {
          // \p{^L} is Oniguruma's negation; RE2 spells it \P{L}.
          if (i + 2 < p.size() && p[i + 1] == '{' && p[i + 2] == '^') {
            out += e == 'p' ? "\\P{" : "\\p{";
            i += 2;
          } else {
            out += '\\';
            out += e;
          }
          break;
        }
        case 'Z': case 'G': case 'K': case 'R': case 'X': case 'k': case 'g':
        case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
          unsupported(where, p, std::string("escape \\") + e + " has no RE2 equivalent");
        default:
          out += '\\';
          out += e;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') {
        in_class = false;
      } else if (c == '[' && !(i + 1 < p.size() && p[i + 1] == ':')) {
        unsupported(where, p, "nested character classes");
      } else if (c == '&' && i + 1 < p.size() && p[i + 1] == '&') {
        unsupported(where, p, "character class intersection (&&)");
      }
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') {
        out += "\\]";
        ++i;
      }
      continue;
    }
    if (c == '(' && i + 2 < p.size() && p[i + 1] == '?') {
      const char k = p[i + 2];
      if (k == '=' || k == '!') unsupported(where, p, "lookahead other than \\s+(?!\\S)");
      if (k == '>') unsupported(where, p, "atomic groups");
      if (k == '<' && i + 3 < p.size()) {
        if (p[i + 3] == '=' || p[i + 3] == '!') unsupported(where, p, "lookbehind");
        out += "(?P<";  // named group
        i += 2;
        continue;
      }
    }
    out += c;
  }
  return out;
}

struct Pattern::Regex {
  std::unique_ptr<RE2> full;    // the whole pattern (the lookahead alternative as \s+)
  std::unique_ptr<RE2> prefix;  // alternatives before `\s+(?!\S)`, if any
  std::unique_ptr<RE2> suffix;  // alternatives after it, if any
  bool lookahead = false;
};

namespace {

std::unique_ptr<RE2> compile(const std::string& re2_pattern, std::string_view original, const std::string& where) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(int64_t{64} << 20);  // room for the DFA over large Unicode classes
  auto re = std::make_unique<RE2>(re2_pattern, opts);
  if (!re->ok()) unsupported(where, original, re->error());
  return re;
}

std::string join(const std::vector<std::string>& parts, size_t from, size_t to) {
  std::string s;
  for (size_t i = from; i < to; ++i) {
    if (i > from) s += '|';
    s += parts[i];
  }
  return s;
}

inline bool match_at(const RE2& re, std::string_view text, size_t pos, RE2::Anchor anchor, Span& m) {
  re2::StringPiece sp;
  if (!re.Match(re2::StringPiece(text.data(), text.size()), pos, text.size(), anchor, &sp, 1)) return false;
  m.first = static_cast<size_t>(sp.data() - text.data());
  m.second = m.first + sp.size();
  return true;
}

bool all_whitespace(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len;
    if (!unicode::is_whitespace(unicode::decode(s, i, len))) return false;
    i += len;
  }
  return true;
}

}  // namespace

Pattern Pattern::literal(std::string text) {
  Pattern p;
  p.literal_ = std::move(text);
  return p;
}

Pattern Pattern::regex(const std::string& onig, const std::string& where) {
  auto rx = std::make_shared<Regex>();
  if (!has_lookaround(onig)) {
    rx->full = compile(translate_oniguruma(onig, where), onig, where);
  } else {
    std::vector<std::string> alts = top_level_alternatives(onig);
    size_t k = alts.size();
    const char* why = onig.find("(?<=") != std::string::npos || onig.find("(?<!") != std::string::npos
                          ? "lookbehind (RE2 has none)"
                          : "lookahead other than a top-level \\s+(?!\\S) alternative (RE2 has none)";
    for (size_t i = 0; i < alts.size(); ++i) {
      if (alts[i] == "\\s+(?!\\S)") {
        if (k != alts.size()) unsupported(where, onig, "\\s+(?!\\S) appears twice");
        k = i;
      } else if (has_lookaround(alts[i])) {
        unsupported(where, onig, why);
      }
    }
    if (k == alts.size()) unsupported(where, onig, why);
    std::vector<std::string> tr;
    for (size_t i = 0; i < alts.size(); ++i) tr.push_back(translate_oniguruma(i == k ? "\\s+" : alts[i], where));
    rx->full = compile(join(tr, 0, tr.size()), onig, where);
    if (k > 0) rx->prefix = compile(join(tr, 0, k), onig, where);
    if (k + 1 < tr.size()) rx->suffix = compile(join(tr, k + 1, tr.size()), onig, where);
    rx->lookahead = true;
  }
  Pattern p;
  p.regex_ = std::move(rx);
  return p;
}

Pattern Pattern::from_json(const nlohmann::json& j, const std::string& where) {
  if (j.is_object()) {
    if (auto it = j.find("String"); it != j.end() && it->is_string()) return literal(it->get<std::string>());
    if (auto it = j.find("Regex"); it != j.end() && it->is_string()) return regex(it->get<std::string>(), where);
  }
  throw Error(where + ": 'pattern' must be {\"String\": ...} or {\"Regex\": ...}, got " + j.dump());
}

void Pattern::find_all(std::string_view text, std::vector<Span>& out) const {
  if (!regex_) {
    if (literal_.empty()) return;
    for (size_t pos = text.find(literal_); pos != std::string_view::npos;
         pos = text.find(literal_, pos + literal_.size()))
      out.emplace_back(pos, pos + literal_.size());
    return;
  }
  const Regex& rx = *regex_;
  const size_t n = text.size();
  size_t pos = 0;
  Span m, m2;
  while (pos <= n) {
    // Patterns usually cover every character: try the cheaper anchored match first.
    if (!match_at(*rx.full, text, pos, RE2::ANCHOR_START, m) && !match_at(*rx.full, text, pos, RE2::UNANCHORED, m))
      break;
    if (rx.lookahead && m.second > m.first && all_whitespace(text.substr(m.first, m.second - m.first)) &&
        !(rx.prefix && match_at(*rx.prefix, text, m.first, RE2::ANCHOR_START, m2))) {
      if (m.second < n) {
        const size_t last = m.first + unicode::last_char_start(text.substr(m.first, m.second - m.first));
        if (last > m.first) {
          m.second = last;
        } else if (rx.suffix && match_at(*rx.suffix, text, m.first, RE2::ANCHOR_START, m2)) {
          m = m2;
        } else {
          pos = m.first + unicode::char_len(static_cast<unsigned char>(text[m.first]));
          continue;
        }
      }
    }
    out.push_back(m);
    if (m.second == m.first) {
      if (m.second >= n) break;
      pos = m.second + unicode::char_len(static_cast<unsigned char>(text[m.second]));
    } else {
      pos = m.second;
    }
  }
}

}  // namespace ragforge::tokenizer
