#include "config/yaml_scalar.h"

#include "config/python_int.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "config/python_int.h"
#include "config/yaml11_patterns.h"
#include "core/utf8.h"

namespace ragforge::config {

namespace {

// Python's `re` `$` also matches just before a final "\n".
bool py_fullmatch(std::string_view v, bool (*matches)(std::string_view)) {
  if (matches(v)) return true;
  return !v.empty() && v.back() == '\n' && matches(v.substr(0, v.size() - 1));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Python's _PyUnicode_TransformDecimalAndSpaceToASCII followed by strip():
// Unicode decimal digits become ASCII, whitespace becomes ' ', any other
// non-ASCII character becomes '?', which no number parser accepts.
std::string python_number_text(std::string_view s) {
  // First code point of every run of ten Unicode decimal digits (Unicode 14).
  static const char32_t kZeros[] = {
      0x30,    0x660,   0x6f0,   0x7c0,   0x966,   0x9e6,   0xa66,   0xae6,   0xb66,   0xbe6,
      0xc66,   0xce6,   0xd66,   0xde6,   0xe50,   0xed0,   0xf20,   0x1040,  0x1090,  0x17e0,
      0x1810,  0x1946,  0x19d0,  0x1a80,  0x1a90,  0x1b50,  0x1bb0,  0x1c40,  0x1c50,  0xa620,
      0xa8d0,  0xa900,  0xa9d0,  0xa9f0,  0xaa50,  0xabf0,  0xff10,  0x104a0, 0x10d30, 0x11066,
      0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0,
      0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2,
      0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0};
  static const char32_t kSpaces[] = {0x9,    0xa,    0xb,    0xc,    0xd,    0x1c,   0x1d,   0x1e,
                                     0x1f,   0x20,   0x85,   0xa0,   0x1680, 0x2000, 0x2001, 0x2002,
                                     0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
                                     0x2028, 0x2029, 0x202f, 0x205f, 0x3000};
  std::string out;
  const bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {  // the common case: no decoding, only the ASCII spaces change
    out.assign(s);
    for (char& c : out)
      if ((c >= 0x9 && c <= 0xd) || (c >= 0x1c && c <= 0x1f)) c = ' ';
  }
  for (char32_t c : ascii ? std::u32string() : decode_utf8_lossless(s)) {
    char mapped = '?';
    if (c < 0x80) mapped = static_cast<char>(c);
    for (char32_t sp : kSpaces)
      if (c == sp) mapped = ' ';
    if (mapped == '?' && c >= 0x80)
      for (char32_t z : kZeros)
        if (c >= z && c < z + 10) mapped = static_cast<char>('0' + (c - z));
    out.push_back(mapped);
  }
  // Python strips whitespace; after the transform every whitespace is ' ',
  // except ASCII \t\n\v\f\r and \x1c-\x1f which stay as they are.
  const auto is_ws = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); };
  size_t b = 0, e = out.size();
  while (b < e && is_ws(out[b])) ++b;
  while (e > b && is_ws(out[e - 1])) --e;
  return out.substr(b, e - b);
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Python's int(s, base) for base 2, 8, 10 or 16, limited to 64 bits.
// `fits` reports whether a syntactically valid number fit.
bool python_int_parse(std::string_view raw, int base, int64_t* out, bool* fits) {
  const std::string s = python_number_text(raw);
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  bool prefixed = false;
  if (base != 10 && s.size() - i >= 2 && s[i] == '0') {
    const char p = static_cast<char>(s[i + 1] | 0x20);
    if ((base == 16 && p == 'x') || (base == 8 && p == 'o') || (base == 2 && p == 'b')) {
      i += 2;
      prefixed = true;
    }
  }
  // Digits, with single underscores between digits or right after a prefix.
  uint64_t mag = 0;
  bool overflow = false, any = false, prev_digit = false, prev_underscore = false;
  bool after_prefix = prefixed;
  for (; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (!prev_digit && !after_prefix) return false;
      prev_underscore = true;
      prev_digit = after_prefix = false;
      continue;
    }
    const int d = digit_value(s[i]);
    if (d >= base) return false;
    any = prev_digit = true;
    prev_underscore = after_prefix = false;
    if (mag > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
      overflow = true;
    else
      mag = mag * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (!any || prev_underscore) return false;
  const uint64_t limit = negative ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  if (overflow || mag > limit) {
    if (fits) *fits = false;
    return true;
  }
  if (fits) *fits = true;
  if (out) *out = negative ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  return true;
}

std::string strip_underscores(std::string_view v) {
  std::string s;
  for (char c : v)
    if (c != '_') s.push_back(c);
  return s;
}

std::vector<std::string> split_colons(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == ':') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

}  // namespace

YamlTag resolve_plain_scalar(std::string_view v, YamlResolver resolver) {
  const bool loader = resolver == YamlResolver::OmegaConfLoader;
  if (v.empty()) return YamlTag::Null;
  // PyYAML picks candidate resolvers by the first character, in the order
  // they were registered: bool, float, int, merge, null, timestamp, value,
  // yaml; OmegaConf's float rule comes last.
  const char c = v[0];
  const auto in = [c](const char* set) { return std::string_view(set).find(c) != std::string_view::npos; };
  if (in("yYnNtTfFoO") && py_fullmatch(v, yaml11::is_bool)) return YamlTag::Bool;
  if (in("-+0123456789.") && py_fullmatch(v, yaml11::is_float)) return YamlTag::Float;
  if (in("-+0123456789") && py_fullmatch(v, yaml11::is_int)) return YamlTag::Int;
  if (c == '<' && (v == "<<" || v == "<<\n")) return YamlTag::Merge;
  if (in("~nN") && (v == "~" || v == "null" || v == "Null" || v == "NULL" || v == "~\n" ||
                    v == "null\n" || v == "Null\n" || v == "NULL\n"))
    return YamlTag::Null;
  if (!loader && in("0123456789") && py_fullmatch(v, yaml11::is_timestamp)) return YamlTag::Timestamp;
  if (c == '=' && (v == "=" || v == "=\n")) return YamlTag::Value;
  if (in("!&*") && (v.size() == 1 || (v.size() == 2 && v[1] == '\n'))) return YamlTag::Yaml;
  if (loader && in("-+0123456789.") && py_fullmatch(v, yaml11::is_omegaconf_float)) return YamlTag::Float;
  return YamlTag::Str;
}

std::optional<bool> construct_yaml_bool(std::string_view v) {
  std::string s(v);
  for (auto& ch : s) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  if (s == "yes" || s == "true" || s == "on") return true;
  if (s == "no" || s == "false" || s == "off") return false;
  return std::nullopt;
}

std::optional<int64_t> construct_yaml_int(std::string_view v) {
  std::string s = strip_underscores(v);
  if (s.empty()) return std::nullopt;  // Python: IndexError
  int64_t sign = 1;
  if (s[0] == '-') sign = -1;
  if (s[0] == '+' || s[0] == '-') s.erase(0, 1);
  const auto parse = [&](std::string_view text, int base) -> std::optional<int64_t> {
    // Parse "-digits" so that -2**63 fits, then apply the sign.
    std::string signed_text = (sign < 0 ? "-" : "") + std::string(text);
    int64_t out = 0;
    bool fits = false;
    if (!python_int_parse(signed_text, base, &out, &fits) || !fits) return std::nullopt;
    return out;
  };
  if (s == "0") return 0;
  if (s.rfind("0b", 0) == 0) return parse(std::string_view(s).substr(2), 2);
  if (s.rfind("0x", 0) == 0) return parse(std::string_view(s).substr(2), 16);
  if (!s.empty() && s[0] == '0') return parse(s, 8);
  if (s.find(':') != std::string::npos) {
    const auto parts = split_colons(s);
    int64_t value = 0, base = 1;
    bool base_overflow = false;
    for (size_t k = parts.size(); k-- > 0;) {
      int64_t digit = 0;
      bool fits = false;
      if (!python_int_parse(parts[k], 10, &digit, &fits) || !fits) return std::nullopt;
      if (digit != 0 && base_overflow) return std::nullopt;
      int64_t term = 0;
      if (__builtin_mul_overflow(digit, base, &term) || __builtin_add_overflow(value, term, &value))
        return std::nullopt;
      if (k > 0 && __builtin_mul_overflow(base, int64_t{60}, &base)) base_overflow = true;
    }
    if (sign < 0) {
      if (value == std::numeric_limits<int64_t>::min()) return std::nullopt;
      return -value;
    }
    return value;
  }
  return parse(s, 10);
}

std::optional<std::string> construct_yaml_int_decimal(std::string_view v) {
  std::string s = strip_underscores(v);
  if (s.empty()) return std::nullopt;  // Python: IndexError
  const bool negative = s[0] == '-';
  if (s[0] == '+' || s[0] == '-') s.erase(0, 1);
  const auto convert = [&](std::string_view digits, int base) -> std::optional<std::string> {
    if (digits.empty()) return std::nullopt;
    for (char c : digits)
      if (digit_value(c) >= base) return std::nullopt;
    if (base == 10 && digits.size() > kPythonIntMaxStrDigits) return std::nullopt;  // Python: ValueError
    return decimal_from_digits(digits, base, negative);
  };
  if (s == "0") return std::string("0");
  if (s.rfind("0b", 0) == 0) return convert(std::string_view(s).substr(2), 2);
  if (s.rfind("0x", 0) == 0) return convert(std::string_view(s).substr(2), 16);
  if (s[0] == '0') return convert(s, 8);
  if (s.find(':') != std::string::npos) {
    // Sexagesimal, most significant part first: value = value * 60 + part.
    const auto parts = split_colons(s);
    auto value = convert(parts[0], 10);
    if (!value) return std::nullopt;
    std::string mag = negative && *value != "0" ? value->substr(1) : *value;
    for (size_t k = 1; k < parts.size(); ++k) {
      int64_t part = 0;
      bool fits = false;
      if (!python_int_parse(parts[k], 10, &part, &fits) || !fits || part < 0 || part > 1000000) return std::nullopt;
      mag = decimal_mul_add(mag, 60, static_cast<unsigned>(part));
    }
    return negative && mag != "0" ? "-" + mag : mag;
  }
  return convert(s, 10);
}

std::optional<double> python_float(std::string_view raw) {
  const std::string s = python_number_text(raw);
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::string rest = s.substr(i);
  std::string lower = rest;
  for (auto& ch : lower) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  if (lower == "inf" || lower == "infinity")
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (lower == "nan") return std::copysign(std::numeric_limits<double>::quiet_NaN(), negative ? -1.0 : 1.0);
  // digits [. digits] [e [sign] digits]; underscores only between digits.
  std::string clean;
  size_t k = 0;
  bool mantissa_digits = false;
  const auto digits = [&](bool* any) {
    while (k < rest.size()) {
      if (is_digit(rest[k])) {
        clean.push_back(rest[k++]);
        *any = true;
      } else if (rest[k] == '_' && k > 0 && is_digit(rest[k - 1]) && k + 1 < rest.size() && is_digit(rest[k + 1])) {
        ++k;
      } else {
        break;
      }
    }
  };
  digits(&mantissa_digits);
  if (k < rest.size() && rest[k] == '.') {
    clean.push_back('.');
    ++k;
    digits(&mantissa_digits);
  }
  if (!mantissa_digits) return std::nullopt;
  if (k < rest.size() && (rest[k] == 'e' || rest[k] == 'E')) {
    clean.push_back('e');
    ++k;
    if (k < rest.size() && (rest[k] == '+' || rest[k] == '-')) clean.push_back(rest[k++]);
    bool exp_digits = false;
    digits(&exp_digits);
    if (!exp_digits) return std::nullopt;
  }
  if (k != rest.size()) return std::nullopt;
  double value = 0.0;
  const auto res = std::from_chars(clean.data(), clean.data() + clean.size(), value, std::chars_format::general);
  if (res.ec == std::errc::result_out_of_range) {
    // Overflow gives inf and underflow 0, as Python's float() does. Decide by
    // the decimal exponent of the first significant digit.
    long exp10 = 0;
    const size_t e = clean.find('e');
    if (e != std::string::npos) {
      const std::string ex = clean.substr(e + 1);
      exp10 = ex.size() > 7 ? (ex[0] == '-' ? -100000000L : 100000000L) : std::stol(ex);
    }
    const std::string mant = clean.substr(0, e);
    const size_t dot = mant.find('.');
    const size_t int_len = dot == std::string::npos ? mant.size() : dot;
    const size_t first = mant.find_first_of("123456789");
    if (first == std::string::npos) {
      value = 0.0;
    } else {
      const long pos = first < int_len ? static_cast<long>(int_len - first) : -static_cast<long>(first - int_len - 1);
      value = (pos + exp10 > 0) ? std::numeric_limits<double>::infinity() : 0.0;
    }
  } else if (res.ec != std::errc() || res.ptr != clean.data() + clean.size()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<double> construct_yaml_float(std::string_view v) {
  std::string s = strip_underscores(v);
  for (auto& ch : s) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  if (s.empty()) return std::nullopt;
  double sign = 1.0;
  if (s[0] == '-') sign = -1.0;
  if (s[0] == '+' || s[0] == '-') s.erase(0, 1);
  if (s == ".inf") return sign * std::numeric_limits<double>::infinity();
  if (s == ".nan") return std::numeric_limits<double>::quiet_NaN();
  if (s.find(':') != std::string::npos) {
    const auto parts = split_colons(s);
    double value = 0.0, base = 1.0;
    for (size_t k = parts.size(); k-- > 0;) {
      const auto digit = python_float(parts[k]);
      if (!digit) return std::nullopt;
      value += *digit * base;
      base *= 60.0;
    }
    return sign * value;
  }
  const auto f = python_float(s);
  if (!f) return std::nullopt;
  return sign * *f;
}

namespace {
// Most strings the emitter asks about are words: a leading ASCII letter rules
// out an int, and a float unless it may spell inf or nan.
bool starts_with_ascii_letter(std::string_view s, std::string_view except = {}) {
  if (s.empty()) return false;
  const char c = s[0];
  return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && except.find(c) == std::string_view::npos;
}
}  // namespace

bool python_int_accepts(std::string_view s) {
  return !starts_with_ascii_letter(s) && python_int_parse(s, 10, nullptr, nullptr);
}
bool python_float_accepts(std::string_view s) {
  return !starts_with_ascii_letter(s, "iInN") && python_float(s).has_value();
}

bool omegaconf_yaml_is_bool(std::string_view s) {
  static const char* const kWords[] = {"y",    "Y",    "yes",   "Yes",   "YES", "n",  "N",  "no",
                                       "No",   "NO",   "true",  "True",  "TRUE", "false", "False",
                                       "FALSE", "on",  "On",    "ON",    "off", "Off", "OFF"};
  for (const char* w : kWords)
    if (s == w) return true;
  return false;
}

}  // namespace ragforge::config
