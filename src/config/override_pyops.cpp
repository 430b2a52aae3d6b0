// Python's repr, ==, <, sorted() and int()/float() string parsing, as the
// grammar functions need them to fail and order exactly like Hydra.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <locale.h>
#include <random>

#include "config/override_internal.h"
#include "config/python_repr.h"

namespace ragforge::config::override_detail {
namespace {

using Kind = ParsedValue::Kind;

bool numeric(const ParsedValue& v) { return v.is_number(); }

// Numbers compare exactly: long double holds every int64 and every double.
long double as_long_double(const ParsedValue& v) {
  if (v.kind == Kind::Bool) return v.boolean ? 1.0L : 0.0L;
  if (v.kind == Kind::Int)
    return v.big_integer.empty() ? static_cast<long double>(v.integer) : std::strtold(v.big_integer.c_str(), nullptr);
  return static_cast<long double>(v.floating);
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string tags_repr(const std::vector<std::string>& tags) {
  if (tags.empty()) return "set()";
  std::vector<std::string> parts;
  for (const auto& t : tags) parts.push_back(py_str_repr(t));
  return "{" + join(parts, ", ") + "}";
}

std::string list_repr(const std::vector<ParsedValue>& items) {
  std::vector<std::string> parts;
  for (const auto& x : items) parts.push_back(py_repr(x));
  return "[" + join(parts, ", ") + "]";
}

std::string strings_repr(const std::vector<std::string>& items) {
  std::vector<std::string> parts;
  for (const auto& x : items) parts.push_back(py_str_repr(x));
  return "[" + join(parts, ", ") + "]";
}

const char* bool_repr(bool b) { return b ? "True" : "False"; }

std::string strip_ascii_ws(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// digit (_? digit)* starting at i; returns the end, or i if none.
size_t digit_run(const std::string& s, size_t i) {
  if (i >= s.size() || !is_digit(s[i])) return i;
  ++i;
  for (;;) {
    if (i < s.size() && is_digit(s[i])) ++i;
    else if (i + 1 < s.size() && s[i] == '_' && is_digit(s[i + 1])) i += 2;
    else return i;
  }
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string without_underscores(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

}  // namespace

std::string py_str_repr(std::string_view s) {
  char q = (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos) ? '"' : '\'';
  std::string out(1, q);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == q || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += q;
  return out;
}

std::string py_repr(const ParsedValue& v) {
  switch (v.kind) {
    case Kind::Null: return "None";
    case Kind::Bool: return bool_repr(v.boolean);
    case Kind::Int: return v.int_text();
    case Kind::Float: return python_float_repr(v.floating);
    case Kind::Str: return py_str_repr(v.text);
    case Kind::QuotedStr:
      return "QuotedString(text=" + py_str_repr(v.text) + ", quote=" +
             (v.quote == '\'' ? "<Quote.single: 0>" : "<Quote.double: 1>") + ")";
    case Kind::List: return list_repr(v.items);
    case Kind::Dict: {
      std::vector<std::string> parts;
      for (const auto& e : v.entries) parts.push_back(py_repr(e.key) + ": " + py_repr(e.value));
      return "{" + join(parts, ", ") + "}";
    }
    case Kind::ChoiceSweep:
      return "ChoiceSweep(tags=" + tags_repr(v.tags) + ", list=" + list_repr(v.items) +
             ", simple_form=" + bool_repr(v.simple_form) + ", shuffle=" + bool_repr(v.shuffle) + ")";
    case Kind::RangeSweep:
      return "RangeSweep(tags=" + tags_repr(v.tags) + ", start=" + py_repr(v.bounds[0]) +
             ", stop=" + py_repr(v.bounds[1]) + ", step=" + py_repr(v.bounds[2]) +
             ", shuffle=" + bool_repr(v.shuffle) + ")";
    case Kind::IntervalSweep:
      return "IntervalSweep(tags=" + tags_repr(v.tags) + ", start=" + py_repr(v.bounds[0]) +
             ", end=" + py_repr(v.bounds[1]) + ")";
    case Kind::Glob:
      return "Glob(include=" + strings_repr(v.include) + ", exclude=" + strings_repr(v.exclude) + ")";
  }
  return "?";
}

bool py_eq(const ParsedValue& a, const ParsedValue& b) {
  if (numeric(a) && numeric(b)) {
    if ((a.kind == Kind::Float && std::isnan(a.floating)) || (b.kind == Kind::Float && std::isnan(b.floating)))
      return false;
    return as_long_double(a) == as_long_double(b);
  }
  if (a.kind != b.kind) return false;
  auto all_eq = [](const std::vector<ParsedValue>& x, const std::vector<ParsedValue>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!py_eq(x[i], y[i])) return false;
    return true;
  };
  switch (a.kind) {
    case Kind::Null: return true;
    case Kind::Str: return a.text == b.text;
    case Kind::QuotedStr: return a.text == b.text && a.quote == b.quote;
    case Kind::List: return all_eq(a.items, b.items);
    case Kind::Dict: {
      if (a.entries.size() != b.entries.size()) return false;
      for (const auto& ea : a.entries) {
        auto it = std::find_if(b.entries.begin(), b.entries.end(),
                               [&](const ParsedEntry& eb) { return py_eq(ea.key, eb.key); });
        if (it == b.entries.end() || !py_eq(ea.value, it->value)) return false;
      }
      return true;
    }
    case Kind::ChoiceSweep:
      return a.tags == b.tags && all_eq(a.items, b.items) && a.simple_form == b.simple_form &&
             a.shuffle == b.shuffle;
    case Kind::RangeSweep:
    case Kind::IntervalSweep:
      return a.tags == b.tags && all_eq(a.bounds, b.bounds) && a.shuffle == b.shuffle;
    case Kind::Glob: return a.include == b.include && a.exclude == b.exclude;
    default: return false;
  }
}

bool py_lt(const ParsedValue& a, const ParsedValue& b) {
  if (numeric(a) && numeric(b)) {
    if ((a.kind == Kind::Float && std::isnan(a.floating)) || (b.kind == Kind::Float && std::isnan(b.floating)))
      return false;
    return as_long_double(a) < as_long_double(b);
  }
  if (a.kind == Kind::Str && b.kind == Kind::Str) return a.text < b.text;  // UTF-8 order == code point order
  if (a.kind == Kind::List && b.kind == Kind::List) {
    size_t n = std::min(a.items.size(), b.items.size());
    for (size_t i = 0; i < n; ++i)
      if (!py_eq(a.items[i], b.items[i])) return py_lt(a.items[i], b.items[i]);
    return a.items.size() < b.items.size();
  }
  throw PyError("TypeError", std::string("'<' not supported between instances of '") + a.type_name() +
                                 "' and '" + b.type_name() + "'");
}

std::vector<ParsedValue> py_sorted(std::vector<ParsedValue> v, bool reverse) {
  // list.sort(reverse=True) reverses, sorts stably, and reverses back.
  if (reverse) std::reverse(v.begin(), v.end());
  const size_t n = v.size();
  if (n >= 2 && n < 64) {
    // CPython's timsort on a short list: count_run, then binary insertion.
    size_t run = 2;
    if (py_lt(v[1], v[0])) {
      while (run < n && py_lt(v[run], v[run - 1])) ++run;
      std::reverse(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(run));
    } else {
      while (run < n && !py_lt(v[run], v[run - 1])) ++run;
    }
    for (size_t start = run; start < n; ++start) {
      size_t l = 0, r = start;
      do {
        size_t p = l + ((r - l) >> 1);
        if (py_lt(v[start], v[p])) r = p;
        else l = p + 1;
      } while (l < r);
      std::rotate(v.begin() + static_cast<std::ptrdiff_t>(l), v.begin() + static_cast<std::ptrdiff_t>(start),
                  v.begin() + static_cast<std::ptrdiff_t>(start) + 1);
    }
  } else if (n >= 64) {
    std::stable_sort(v.begin(), v.end(), [](const ParsedValue& a, const ParsedValue& b) { return py_lt(a, b); });
  }
  if (reverse) std::reverse(v.begin(), v.end());
  return v;
}

void py_shuffle(std::vector<ParsedValue>& items) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::shuffle(items.begin(), items.end(), rng);
}

int64_t py_int_from_str(const std::string& s) {
  std::string t = strip_ascii_ws(s);
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  size_t end = digit_run(t, i);
  if (end == i || end != t.size())
    throw PyError("ValueError", "invalid literal for int() with base 10: " + py_str_repr(s));
  std::string digits = without_underscores(t);
  if (digits[0] == '+') digits.erase(0, 1);
  int64_t v = 0;
  auto res = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (res.ec != std::errc())
    throw PyError("OverflowError", "int " + digits + " does not fit in 64 bits");
  return v;
}

double py_float_from_str(const std::string& s) {
  std::string t = strip_ascii_ws(s);
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  std::string rest = lower(t.substr(i));
  bool ok = false;
  if (rest == "inf" || rest == "infinity" || rest == "nan") {
    ok = true;
  } else {
    size_t j = digit_run(t, i);
    bool mantissa = j > i;
    if (j < t.size() && t[j] == '.') {
      size_t k = digit_run(t, j + 1);
      mantissa = mantissa || k > j + 1;
      j = k;
    }
    if (mantissa && j < t.size() && (t[j] == 'e' || t[j] == 'E')) {
      size_t k = j + 1;
      if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
      size_t e = digit_run(t, k);
      j = e > k ? e : std::string::npos;
    }
    ok = mantissa && j == t.size();
  }
  if (!ok) throw PyError("ValueError", "could not convert string to float: " + py_str_repr(s));
  return parse_c_double(without_underscores(t));
}

double parse_c_double(const std::string& s) {
  static locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  return strtod_l(s.c_str(), nullptr, c_locale);
}

}  // namespace ragforge::config::override_detail
