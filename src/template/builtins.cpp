// jinja2's filters and tests, Python's str/dict/list methods and operators.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <unordered_map>

#include "template/interpreter.h"

namespace ragforge::tmpl {
namespace {

// ---- argument binding ------------------------------------------------------------

struct Params {
  std::vector<Value> v;
  std::vector<bool> given;
  const Value& operator[](size_t i) const { return v[i]; }
  bool has(size_t i) const { return given[i]; }
};

Params bind(const std::string& fname, CallArgs& a, const std::vector<std::string>& names, size_t required = 0) {
  if (a.args.size() > names.size())
    throw OpError(fname + "() takes at most " + std::to_string(names.size()) + " argument(s) (" +
                  std::to_string(a.args.size()) + " given)");
  Params p{std::vector<Value>(names.size()), std::vector<bool>(names.size(), false)};
  for (size_t i = 0; i < a.args.size(); ++i) {
    p.v[i] = a.args[i];
    p.given[i] = true;
  }
  for (auto& [k, val] : a.kwargs) {
    size_t i = 0;
    while (i < names.size() && names[i] != k) ++i;
    if (i == names.size()) throw OpError(fname + "() got an unexpected keyword argument '" + k + "'");
    if (p.given[i]) throw OpError(fname + "() got multiple values for argument '" + k + "'");
    p.v[i] = val;
    p.given[i] = true;
  }
  for (size_t i = 0; i < required; ++i)
    if (!p.given[i]) throw OpError(fname + "() missing required argument '" + names[i] + "'");
  return p;
}

const std::string& need_str(const std::string& fname, const Value& v) {
  if (!v.is_string()) throw OpError(fname + "() argument must be str, not " + v.type_name());
  return v.as_string();
}

int64_t need_int(const std::string& fname, const Value& v) {
  if (!v.is_int() && !v.is_bool())
    throw OpError(fname + "(): '" + v.type_name() + "' object cannot be interpreted as an integer");
  return v.as_int();
}

// ---- case mapping (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic) ----------------

uint32_t cp_lower(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x100 && c <= 0x137) return c | 1;
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return c | 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x386 && c <= 0x38F) {
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
  }
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

uint32_t cp_upper(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c == 0xB5) return 0x39C;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x100 && c <= 0x137) return c & ~1u;
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c : c - 1;
  if (c >= 0x14A && c <= 0x177) return c & ~1u;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c : c - 1;
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c == 0x3C2) return 0x3A3;
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

bool cp_cased(uint32_t c) { return cp_lower(c) != c || cp_upper(c) != c || c == 0xDF; }
bool cp_is_upper(uint32_t c) { return cp_lower(c) != c; }
bool cp_is_lower(uint32_t c) { return cp_upper(c) != c || c == 0xDF; }
bool cp_alpha(uint32_t c) { return (c < 0x80) ? std::isalpha(static_cast<int>(c)) != 0 : (cp_cased(c) || c >= 0x4E00); }
bool cp_digit(uint32_t c) { return c >= '0' && c <= '9'; }

template <class F>
std::string map_cps(const std::string& s, F f) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) append_utf8(out, f(decode_utf8(s, i)));
  return out;
}

std::string str_lower(const std::string& s) { return map_cps(s, cp_lower); }
std::string str_upper(const std::string& s) { return map_cps(s, cp_upper); }

std::string str_capitalize(const std::string& s) {
  bool first = true;
  return map_cps(s, [&](uint32_t c) {
    uint32_t r = first ? cp_upper(c) : cp_lower(c);
    first = false;
    return r;
  });
}

// Python's str.title(): a cased letter after an uncased character starts a word.
std::string str_title(const std::string& s) {
  bool prev_cased = false;
  return map_cps(s, [&](uint32_t c) {
    bool cased = cp_cased(c);
    uint32_t r = cased ? (prev_cased ? cp_lower(c) : cp_upper(c)) : c;
    prev_cased = cased;
    return r;
  });
}

// jinja2's title filter: words begin after runs of '-', whitespace, '(', '{', '[', '<'.
std::string jinja_title(const std::string& s) {
  std::string out;
  bool at_word_start = true;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t c = decode_utf8(s, i);
    bool sep = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || py_isspace(c);
    if (sep) {
      append_utf8(out, c);
      at_word_start = true;
    } else {
      append_utf8(out, at_word_start ? cp_upper(c) : cp_lower(c));
      at_word_start = false;
    }
  }
  return out;
}

// ---- str helpers -------------------------------------------------------------------

std::string strip_chars(const std::string& s, const std::string& chars, bool left, bool right) {
  std::vector<std::string> set = utf8_chars(chars);
  std::vector<std::string> cs = utf8_chars(s);
  size_t b = 0, e = cs.size();
  auto in = [&](const std::string& c) { return std::find(set.begin(), set.end(), c) != set.end(); };
  if (left)
    while (b < e && in(cs[b])) ++b;
  if (right)
    while (e > b && in(cs[e - 1])) --e;
  std::string out;
  for (size_t k = b; k < e; ++k) out += cs[k];
  return out;
}

std::string py_strip_args(const std::string& fname, const std::string& s, const Value& chars, bool l, bool r) {
  if (chars.is_undefined() || chars.is_none()) return py_strip(s, l, r);
  return strip_chars(s, need_str(fname, chars), l, r);
}

ValueList str_split(const std::string& s, const Value& sep, int64_t maxsplit) {
  ValueList out;
  if (sep.is_undefined() || sep.is_none()) {
    // Runs of whitespace separate; leading/trailing whitespace is dropped.
    size_t i = 0;
    const size_t n = s.size();
    auto skip_space = [&]() {
      while (i < n) {
        size_t j = i;
        if (!py_isspace(decode_utf8(s, j))) break;
        i = j;
      }
    };
    skip_space();
    while (i < n) {
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
        std::string rest = py_strip(s.substr(i), false, true);
        out.emplace_back(rest);
        return out;
      }
      size_t start = i;
      while (i < n) {
        size_t j = i;
        if (py_isspace(decode_utf8(s, j))) break;
        i = j;
      }
      out.emplace_back(s.substr(start, i - start));
      skip_space();
    }
    return out;
  }
  const std::string d = need_str("split", sep);
  if (d.empty()) throw OpError("empty separator");
  size_t start = 0;
  for (;;) {
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) break;
    size_t at = s.find(d, start);
    if (at == std::string::npos) break;
    out.emplace_back(s.substr(start, at - start));
    start = at + d.size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

ValueList str_rsplit(const std::string& s, const Value& sep, int64_t maxsplit) {
  if (maxsplit < 0) return str_split(s, sep, -1);
  if (sep.is_undefined() || sep.is_none()) {
    // Split from the right on whitespace runs.
    std::vector<std::string> cs = utf8_chars(s);
    ValueList rev;
    size_t e = cs.size();
    auto is_space = [&](size_t k) {
      size_t j = 0;
      return py_isspace(decode_utf8(cs[k], j));
    };
    while (e > 0 && is_space(e - 1)) --e;
    while (e > 0) {
      if (static_cast<int64_t>(rev.size()) == maxsplit) {
        std::string rest;
        for (size_t k = 0; k < e; ++k) rest += cs[k];
        rev.emplace_back(py_strip(rest, true, false));
        break;
      }
      size_t b = e;
      while (b > 0 && !is_space(b - 1)) --b;
      std::string word;
      for (size_t k = b; k < e; ++k) word += cs[k];
      rev.emplace_back(word);
      e = b;
      while (e > 0 && is_space(e - 1)) --e;
    }
    std::reverse(rev.begin(), rev.end());
    return rev;
  }
  const std::string d = need_str("rsplit", sep);
  if (d.empty()) throw OpError("empty separator");
  ValueList rev;
  size_t end = s.size();
  while (static_cast<int64_t>(rev.size()) < maxsplit) {
    if (end < d.size()) break;
    size_t at = s.rfind(d, end - d.size());
    if (at == std::string::npos) break;
    rev.emplace_back(s.substr(at + d.size(), end - at - d.size()));
    end = at;
  }
  rev.emplace_back(s.substr(0, end));
  std::reverse(rev.begin(), rev.end());
  return rev;
}

std::string str_replace(const std::string& s, const std::string& old, const std::string& repl, int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts `repl` between characters (and at both ends).
    std::vector<std::string> cs = utf8_chars(s);
    int64_t done = 0;
    for (size_t k = 0; k <= cs.size(); ++k) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (k < cs.size()) out += cs[k];
    }
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  for (;;) {
    if (count >= 0 && done >= count) break;
    size_t at = s.find(old, start);
    if (at == std::string::npos) break;
    out.append(s, start, at - start);
    out += repl;
    start = at + old.size();
    ++done;
  }
  out.append(s, start, std::string::npos);
  return out;
}

// Python's startswith/endswith `start`/`end` are code-point offsets.
std::string str_window(const std::string& s, const Value& start, const Value& end) {
  if ((start.is_undefined() || start.is_none()) && (end.is_undefined() || end.is_none())) return s;
  std::vector<std::string> cs = utf8_chars(s);
  int64_t n = static_cast<int64_t>(cs.size());
  auto norm = [&](const Value& v, int64_t dflt) {
    if (v.is_undefined() || v.is_none()) return dflt;
    int64_t x = need_int("startswith", v);
    if (x < 0) x = std::max<int64_t>(0, x + n);
    return std::min(x, n);
  };
  int64_t b = norm(start, 0), e = norm(end, n);
  std::string out;
  for (int64_t k = b; k < e; ++k) out += cs[static_cast<size_t>(k)];
  return out;
}

bool affix_match(const std::string& fname, const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const std::string& a) {
    if (a.size() > s.size()) return false;
    return prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_tuple()) {
    for (const auto& a : affix.as_list())
      if (one(need_str(fname, a))) return true;
    return false;
  }
  if (!affix.is_string())
    throw OpError(fname + " first arg must be str or a tuple of str, not " + affix.type_name());
  return one(affix.as_string());
}

int64_t cp_offset(const std::string& s, size_t byte_pos) {
  return static_cast<int64_t>(utf8_length(s.substr(0, byte_pos)));
}

// ---- numbers -----------------------------------------------------------------------

void overflow_check(bool overflow) {
  if (overflow) throw OpError("integer overflow (values beyond 64 bits are not supported)");
}

int64_t py_floordiv(int64_t a, int64_t b) {
  if (b == 0) throw OpError("integer division or modulo by zero");
  if (a == INT64_MIN && b == -1) throw OpError("integer overflow (values beyond 64 bits are not supported)");
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t py_mod(int64_t a, int64_t b) {
  if (b == 0) throw OpError("integer division or modulo by zero");
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

double py_fmod(double a, double b) {
  if (b == 0.0) throw OpError("float modulo");
  double m = std::fmod(a, b);
  if (m != 0.0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = std::copysign(0.0, b);
  }
  return m;
}

double py_ffloordiv(double a, double b) {
  if (b == 0.0) throw OpError("float floor division by zero");
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0.0) return std::copysign(0.0, a / b);
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

// Python's round(x, ndigits): round-half-even on the exact binary value.
double py_round(double x, int64_t ndigits) {
  if (!std::isfinite(x)) return x;
  if (ndigits == 0) return std::nearbyint(x);
  if (ndigits > 300) return x;
  if (ndigits < 0) {
    double p = std::pow(10.0, static_cast<double>(-ndigits));
    return std::nearbyint(x / p) * p;
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(ndigits), x);
  return std::strtod(buf, nullptr);
}

// Python int(str, base): optional whitespace and sign, underscores between digits.
bool parse_py_int(const std::string& text, int base, int64_t& out) {
  std::string s = py_strip(text, true, true);
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  auto prefix_base = [&](char c) { c = static_cast<char>(std::tolower(c)); return c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 0; };
  if (i + 1 < s.size() && s[i] == '0' && prefix_base(s[i + 1]) && (base == 0 || base == prefix_base(s[i + 1]))) {
    base = prefix_base(s[i + 1]);
    i += 2;
    if (i < s.size() && s[i] == '_') ++i;
  }
  if (base == 0) base = 10;
  if (i >= s.size()) return false;
  uint64_t v = 0;
  const uint64_t limit = static_cast<uint64_t>(INT64_MAX) + 1;
  bool prev_digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      if (!prev_digit || i + 1 >= s.size()) return false;
      prev_digit = false;
      continue;
    }
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                           : 99;
    if (d >= base) return false;
    if (v > (limit - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
      throw OpError("integer " + text + " does not fit in 64 bits");
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    prev_digit = true;
  }
  if (!prev_digit) return false;
  if (!neg && v == limit) throw OpError("integer " + text + " does not fit in 64 bits");
  out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool parse_py_float(const std::string& text, double& out) {
  std::string s = py_strip(text, true, true);
  if (s.empty()) return false;
  std::string clean;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (i == 0 || i + 1 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i - 1])) ||
          !std::isdigit(static_cast<unsigned char>(s[i + 1])))
        return false;
      continue;
    }
    clean += s[i];
  }
  std::string lower = str_lower(clean);
  std::string body = (lower[0] == '+' || lower[0] == '-') ? lower.substr(1) : lower;
  if (body == "inf" || body == "infinity" || body == "nan") {
    out = body == "nan" ? NAN : (lower[0] == '-' ? -INFINITY : INFINITY);
    return true;
  }
  for (char c : body)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'e' && c != '+' && c != '-') return false;
  char* end = nullptr;
  out = std::strtod(clean.c_str(), &end);
  return end && *end == '\0' && end != clean.c_str();
}

// ---- printf-style formatting (str % args, the format filter) --------------------------

std::string percent_format(const std::string& fmt, const Value& args_value) {
  ValueList args;
  const ValueDict* mapping = nullptr;
  // Python: a tuple spreads over the conversions; anything else is one
  // argument, and a dict or list (a "mapping" to Python) may go unused.
  bool mapping_like = args_value.is_dict() || (args_value.is_list() && !args_value.is_tuple());
  if (args_value.is_tuple()) args = args_value.as_list();
  else args.push_back(args_value);
  if (args_value.is_dict()) mapping = &args_value.as_dict();
  size_t next_arg = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (++i >= fmt.size()) throw OpError("incomplete format");
    const Value* arg = nullptr;
    Value keyed;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string::npos) throw OpError("incomplete format key");
      if (!mapping) throw OpError("format requires a mapping");
      const Value* v = mapping->find(Value(fmt.substr(i + 1, close - i - 1)));
      if (!v) throw OpError("KeyError: '" + fmt.substr(i + 1, close - i - 1) + "'");
      keyed = *v;
      arg = &keyed;
      i = close + 1;
    }
    std::string flags;
    while (i < fmt.size() && std::strchr("-+ #0", fmt[i])) flags += fmt[i++];
    std::string width, prec;
    while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) width += fmt[i++];
    if (i < fmt.size() && fmt[i] == '.') {
      prec = ".";
      ++i;
      while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) prec += fmt[i++];
    }
    if (i >= fmt.size()) throw OpError("incomplete format");
    char conv = fmt[i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (!arg) {
      if (next_arg >= args.size()) throw OpError("not enough arguments for format string");
      arg = &args[next_arg++];
    }
    std::string spec = "%" + flags + width + prec;
    char buf[512];
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        std::string s = conv == 's' ? arg->str() : arg->repr();
        if (prec.size() > 1) {
          std::vector<std::string> cs = utf8_chars(s);
          size_t p = static_cast<size_t>(std::atoi(prec.c_str() + 1));
          if (cs.size() > p) {
            s.clear();
            for (size_t k = 0; k < p; ++k) s += cs[k];
          }
        }
        size_t w = width.empty() ? 0 : static_cast<size_t>(std::atoi(width.c_str()));
        size_t len = utf8_length(s);
        if (len < w) {
          std::string pad(w - len, ' ');
          s = flags.find('-') != std::string::npos ? s + pad : pad + s;
        }
        out += s;
        break;
      }
      case 'd':
      case 'i':
      case 'u': {
        if (!arg->is_number()) throw OpError("%" + std::string(1, conv) + " format: a real number is required, not " + arg->type_name());
        long long v = arg->is_float() ? static_cast<long long>(std::trunc(arg->as_float())) : arg->as_int();
        std::snprintf(buf, sizeof buf, (spec + "lld").c_str(), v);
        out += buf;
        break;
      }
      case 'x':
      case 'X':
      case 'o': {
        if (!arg->is_int() && !arg->is_bool()) throw OpError("%" + std::string(1, conv) + " format: an integer is required, not " + arg->type_name());
        long long v = arg->as_int();
        std::string sign = v < 0 ? "-" : "";
        unsigned long long mag = v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
        std::snprintf(buf, sizeof buf, (spec + "ll" + conv).c_str(), mag);
        out += sign + buf;
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!arg->is_number()) throw OpError("must be real number, not " + arg->type_name());
        std::snprintf(buf, sizeof buf, (spec + conv).c_str(), arg->as_float());
        out += buf;
        break;
      }
      case 'c': {
        if (arg->is_string() && utf8_length(arg->as_string()) == 1) out += arg->as_string();
        else if (arg->is_int()) append_utf8(out, static_cast<uint32_t>(arg->as_int()));
        else throw OpError("%c requires int or char");
        break;
      }
      default:
        throw OpError(std::string("unsupported format character '") + conv + "'");
    }
  }
  if (!mapping_like && next_arg < args.size())
    throw OpError("not all arguments converted during string formatting");
  return out;
}

// ---- sorting ------------------------------------------------------------------------

Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value(str_lower(v.as_string()));
  return v;
}

// Looks up a dotted attribute path ("a.b" / "0") the way jinja2's
// make_attrgetter does.
Value attr_path(const Value& item, const Value& attribute) {
  if (attribute.is_int()) return get_item(item, attribute);
  std::string path = attribute.str();
  Value cur = item;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    cur = numeric ? get_item(cur, Value(static_cast<int64_t>(std::stoll(part)))) : get_item(cur, Value(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

ValueList sorted(ValueList items, bool reverse, bool case_sensitive, const Value& attribute) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& it : items) {
    Value k = attribute.is_undefined() || attribute.is_none() ? it : attr_path(it, attribute);
    keyed.emplace_back(sort_key(k, case_sensitive), std::move(it));
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? value_less(y.first, x.first) : value_less(x.first, y.first);
  });
  ValueList out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Value length_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return Value(int64_t{0});
    case Value::Kind::String:
      return Value(static_cast<int64_t>(utf8_length(v.as_string())));
    case Value::Kind::List:
      return Value(static_cast<int64_t>(v.as_list().size()));
    case Value::Kind::Dict:
      return Value(static_cast<int64_t>(v.as_dict().entries.size()));
    default:
      throw OpError("object of type '" + v.type_name() + "' has no len()");
  }
}

ValueList dict_items(const ValueDict& d) {
  ValueList out;
  for (const auto& [k, v] : d.entries) out.emplace_back(ValueList{k, v}, true);
  return out;
}

// select / reject / selectattr / rejectattr.
Value select_impl(const std::string& fname, const Value& seq, CallArgs& a, bool by_attr, bool want) {
  size_t skip = by_attr ? 1 : 0;
  if (by_attr && a.args.empty()) throw OpError(fname + "() missing required argument 'attribute'");
  Value attribute = by_attr ? a.args[0] : Value();
  std::string test;
  CallArgs test_args;
  if (a.args.size() > skip) {
    test = need_str(fname, a.args[skip]);
    for (size_t i = skip + 1; i < a.args.size(); ++i) test_args.args.push_back(a.args[i]);
  }
  test_args.kwargs = a.kwargs;
  if (!test.empty() && !has_test(test)) throw OpError("no test named '" + test + "'");
  ValueList out;
  if (!seq.truthy()) return Value(std::move(out));  // jinja2 skips a falsy sequence
  for (const auto& item : iterate(seq)) {
    Value x = by_attr ? attr_path(item, attribute) : item;
    bool r;
    if (test.empty()) {
      r = x.truthy();
    } else {
      CallArgs ta = test_args;
      r = apply_test(test, x, ta);
    }
    if (r == want) out.push_back(item);
  }
  return Value(std::move(out));
}

Value tojson_filter(const Value& v, CallArgs& a) {
  // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
  Params p = bind("tojson", a, {"ensure_ascii", "indent", "separators", "sort_keys"});
  Value::JsonOptions o;
  o.ensure_ascii = p.has(0) && p[0].truthy();
  if (p.has(1) && !p[1].is_none()) {
    o.has_indent = true;
    if (p[1].is_string()) o.indent = p[1].as_string();
    else o.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, need_int("tojson", p[1]))), ' ');
    o.item_sep = ",";
  }
  if (p.has(2) && !p[2].is_none()) {
    if (!p[2].is_list() || p[2].as_list().size() != 2)
      throw OpError("tojson(): separators must be an (item_separator, key_separator) pair");
    o.item_sep = need_str("tojson", p[2].as_list()[0]);
    o.key_sep = need_str("tojson", p[2].as_list()[1]);
  }
  o.sort_keys = p.has(3) && p[3].truthy();
  return Value(v.to_json(o));
}

using FilterFn = std::function<Value(const Value&, CallArgs&)>;

const std::unordered_map<std::string, FilterFn>& filters() {
  static const std::unordered_map<std::string, FilterFn> table = [] {
    std::unordered_map<std::string, FilterFn> f;
    f["abs"] = [](const Value& v, CallArgs& a) {
      bind("abs", a, {});
      v.require_defined();
      if (v.is_float()) return Value(std::fabs(v.as_float()));
      if (v.is_number()) {
        int64_t i = v.as_int();
        if (i == INT64_MIN) throw OpError("integer overflow");
        return Value(i < 0 ? -i : i);
      }
      throw OpError("bad operand type for abs(): '" + v.type_name() + "'");
    };
    f["attr"] = [](const Value& v, CallArgs& a) {
      Params p = bind("attr", a, {"name"}, 1);
      return get_attr(v, p[0].str());
    };
    f["batch"] = [](const Value& v, CallArgs& a) {
      Params p = bind("batch", a, {"linecount", "fill_with"}, 1);
      int64_t n = need_int("batch", p[0]);
      if (n <= 0) throw OpError("batch(): linecount must be positive");
      ValueList out, cur;
      for (const auto& item : iterate(v)) {
        cur.push_back(item);
        if (static_cast<int64_t>(cur.size()) == n) {
          out.emplace_back(std::move(cur));
          cur.clear();
        }
      }
      if (!cur.empty()) {
        if (p.has(1) && !p[1].is_none())
          while (static_cast<int64_t>(cur.size()) < n) cur.push_back(p[1]);
        out.emplace_back(std::move(cur));
      }
      return Value(std::move(out));
    };
    f["capitalize"] = [](const Value& v, CallArgs& a) {
      bind("capitalize", a, {});
      return Value(str_capitalize(v.str()));
    };
    f["center"] = [](const Value& v, CallArgs& a) {
      Params p = bind("center", a, {"width"});
      int64_t w = p.has(0) ? need_int("center", p[0]) : 80;
      std::string s = v.str();
      int64_t len = static_cast<int64_t>(utf8_length(s));
      if (w <= len) return Value(s);
      int64_t marg = w - len;
      int64_t left = marg / 2 + (marg & w & 1);  // CPython's pad()
      return Value(std::string(static_cast<size_t>(left), ' ') + s + std::string(static_cast<size_t>(marg - left), ' '));
    };
    f["default"] = [](const Value& v, CallArgs& a) {
      Params p = bind("default", a, {"default_value", "boolean"});
      Value dflt = p.has(0) ? p[0] : Value(std::string());
      bool boolean = p.has(1) && p[1].truthy();
      if (v.is_undefined() || (boolean && !v.truthy())) return dflt;
      return v;
    };
    f["d"] = f["default"];
    f["dictsort"] = [](const Value& v, CallArgs& a) {
      Params p = bind("dictsort", a, {"case_sensitive", "by", "reverse"});
      if (!v.is_dict()) throw OpError("You can only sort by either 'key' or 'value' of a dict");
      bool cs = p.has(0) && p[0].truthy();
      std::string by = p.has(1) ? p[1].str() : "key";
      if (by != "key" && by != "value") throw OpError("You can only sort by either 'key' or 'value'");
      bool rev = p.has(2) && p[2].truthy();
      ValueList items = dict_items(v.as_dict());
      std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
        size_t k = by == "key" ? 0 : 1;
        Value xa = sort_key(x.as_list()[k], cs), ya = sort_key(y.as_list()[k], cs);
        return rev ? value_less(ya, xa) : value_less(xa, ya);
      });
      return Value(std::move(items));
    };
    f["escape"] = [](const Value& v, CallArgs& a) {
      bind("escape", a, {});
      return Value(html_escape(v.str()));
    };
    f["e"] = f["escape"];
    f["first"] = [](const Value& v, CallArgs& a) {
      bind("first", a, {});
      ValueList items = iterate(v);
      if (items.empty()) return Value::undefined("No first item, sequence was empty.");
      return items.front();
    };
    f["last"] = [](const Value& v, CallArgs& a) {
      bind("last", a, {});
      ValueList items = iterate(v);
      if (items.empty()) return Value::undefined("No last item, sequence was empty.");
      return items.back();
    };
    f["float"] = [](const Value& v, CallArgs& a) {
      Params p = bind("float", a, {"default"});
      Value dflt = p.has(0) ? p[0] : Value(0.0);
      v.require_defined();
      if (v.is_number()) return Value(v.as_float());
      double d;
      if (v.is_string() && parse_py_float(v.as_string(), d)) return Value(d);
      return dflt;
    };
    f["format"] = [](const Value& v, CallArgs& a) {
      if (!a.kwargs.empty() && !a.args.empty())
        throw OpError("can't handle positional and keyword arguments at the same time");
      if (!a.kwargs.empty()) {
        ValueDict d;
        for (auto& [k, x] : a.kwargs) d.set(Value(k), x);
        return Value(percent_format(v.str(), Value::dict(std::move(d))));
      }
      return Value(percent_format(v.str(), Value(a.args, true)));
    };
    f["indent"] = [](const Value& v, CallArgs& a) {
      Params p = bind("indent", a, {"width", "first", "blank"});
      std::string pad = p.has(0) ? (p[0].is_string() ? p[0].as_string()
                                                     : std::string(static_cast<size_t>(std::max<int64_t>(0, need_int("indent", p[0]))), ' '))
                                 : std::string(4, ' ');
      bool first = p.has(1) && p[1].truthy();
      bool blank = p.has(2) && p[2].truthy();
      v.require_defined();
      if (!v.is_string()) throw OpError("indent() needs a string, not " + v.type_name());
      std::string s = v.as_string();
      // jinja2: s += "\n"; lines = s.splitlines(); rv = "\n".join(indented lines[1:]) ...
      std::vector<std::string> lines;
      {
        std::string t = s + "\n";
        size_t start = 0;
        for (size_t i = 0; i < t.size(); ++i)
          if (t[i] == '\n') {
            lines.push_back(t.substr(start, i - start));
            start = i + 1;
          }
      }
      std::string rv;
      for (size_t i = 1; i < lines.size(); ++i) {
        if (i > 1) rv += "\n";
        rv += (blank || !py_strip(lines[i], true, true).empty()) ? pad + lines[i] : lines[i];
      }
      std::string head = lines.empty() ? std::string() : lines[0];
      if (first && (blank || !py_strip(head, true, true).empty())) head = pad + head;
      return Value(lines.size() > 1 ? head + "\n" + rv : head);
    };
    f["int"] = [](const Value& v, CallArgs& a) {
      Params p = bind("int", a, {"default", "base"});
      Value dflt = p.has(0) ? p[0] : Value(int64_t{0});
      int base = p.has(1) ? static_cast<int>(need_int("int", p[1])) : 10;
      v.require_defined();
      if (v.is_bool() || v.is_int()) return Value(v.as_int());
      if (v.is_float()) {
        double d = v.as_float();
        if (!std::isfinite(d)) return dflt;
        if (std::fabs(d) >= 9.2e18) throw OpError("integer overflow (values beyond 64 bits are not supported)");
        return Value(static_cast<int64_t>(std::trunc(d)));
      }
      if (v.is_string()) {
        int64_t i;
        if (parse_py_int(v.as_string(), base, i)) return Value(i);
        double d;
        if (parse_py_float(v.as_string(), d) && std::isfinite(d) && std::fabs(d) < 9.2e18)
          return Value(static_cast<int64_t>(std::trunc(d)));
      }
      return dflt;
    };
    f["items"] = [](const Value& v, CallArgs& a) {
      bind("items", a, {});
      if (v.is_undefined()) return Value(ValueList{});
      if (!v.is_dict()) throw OpError("Can only get item pairs from a mapping.");
      return Value(dict_items(v.as_dict()));
    };
    f["join"] = [](const Value& v, CallArgs& a) {
      Params p = bind("join", a, {"d", "attribute"});
      std::string sep = p.has(0) ? p[0].str() : "";
      std::string out;
      bool first = true;
      for (const auto& item : iterate(v)) {
        if (!first) out += sep;
        first = false;
        out += (p.has(1) && !p[1].is_none() ? attr_path(item, p[1]) : item).str();
      }
      return Value(out);
    };
    f["length"] = [](const Value& v, CallArgs& a) {
      bind("length", a, {});
      return length_of(v);
    };
    f["count"] = f["length"];
    f["list"] = [](const Value& v, CallArgs& a) {
      bind("list", a, {});
      return Value(iterate(v));
    };
    f["lower"] = [](const Value& v, CallArgs& a) {
      bind("lower", a, {});
      return Value(str_lower(v.str()));
    };
    f["upper"] = [](const Value& v, CallArgs& a) {
      bind("upper", a, {});
      return Value(str_upper(v.str()));
    };
    f["map"] = [](const Value& v, CallArgs& a) {
      ValueList out;
      if (!v.truthy()) return Value(std::move(out));  // jinja2 skips a falsy sequence
      bool by_attr = false;
      Value attribute, dflt;
      for (auto& [k, x] : a.kwargs) {
        if (k == "attribute") {
          by_attr = true;
          attribute = x;
        } else if (k == "default") {
          dflt = x;
        }
      }
      if (by_attr) {
        if (!a.args.empty()) throw OpError("map(): pass either a filter name or attribute=, not both");
        for (const auto& item : iterate(v)) {
          Value x = attr_path(item, attribute);
          out.push_back(x.is_undefined() && !dflt.is_undefined() ? dflt : x);
        }
        return Value(std::move(out));
      }
      if (a.args.empty()) throw OpError("map(): missing filter name or attribute=");
      std::string name = need_str("map", a.args[0]);
      if (!has_filter(name)) throw OpError("no filter named '" + name + "'");
      CallArgs rest;
      rest.args.assign(a.args.begin() + 1, a.args.end());
      rest.kwargs = a.kwargs;
      for (const auto& item : iterate(v)) {
        CallArgs r = rest;
        out.push_back(apply_filter(name, item, r));
      }
      return Value(std::move(out));
    };
    auto minmax = [](bool want_max) {
      return [want_max](const Value& v, CallArgs& a) {
        Params p = bind(want_max ? "max" : "min", a, {"case_sensitive", "attribute"});
        ValueList items = iterate(v);
        if (items.empty()) return Value::undefined(std::string("No aggregated item, sequence was empty."));
        bool cs = p.has(0) && p[0].truthy();
        size_t best = 0;
        auto key = [&](size_t i) {
          return sort_key(p.has(1) && !p[1].is_none() ? attr_path(items[i], p[1]) : items[i], cs);
        };
        for (size_t i = 1; i < items.size(); ++i) {
          bool better = want_max ? value_less(key(best), key(i)) : value_less(key(i), key(best));
          if (better) best = i;
        }
        return items[best];
      };
    };
    f["max"] = minmax(true);
    f["min"] = minmax(false);
    f["reject"] = [](const Value& v, CallArgs& a) { return select_impl("reject", v, a, false, false); };
    f["select"] = [](const Value& v, CallArgs& a) { return select_impl("select", v, a, false, true); };
    f["rejectattr"] = [](const Value& v, CallArgs& a) { return select_impl("rejectattr", v, a, true, false); };
    f["selectattr"] = [](const Value& v, CallArgs& a) { return select_impl("selectattr", v, a, true, true); };
    f["replace"] = [](const Value& v, CallArgs& a) {
      Params p = bind("replace", a, {"old", "new", "count"}, 2);
      int64_t count = p.has(2) && !p[2].is_none() ? need_int("replace", p[2]) : -1;
      return Value(str_replace(v.str(), p[0].str(), p[1].str(), count));
    };
    f["reverse"] = [](const Value& v, CallArgs& a) {
      bind("reverse", a, {});
      if (v.is_string()) {
        std::vector<std::string> cs = utf8_chars(v.as_string());
        std::string out;
        for (auto it = cs.rbegin(); it != cs.rend(); ++it) out += *it;
        return Value(out);
      }
      ValueList items = iterate(v);
      std::reverse(items.begin(), items.end());
      return Value(std::move(items));
    };
    f["round"] = [](const Value& v, CallArgs& a) {
      Params p = bind("round", a, {"precision", "method"});
      int64_t prec = p.has(0) ? need_int("round", p[0]) : 0;
      std::string method = p.has(1) ? p[1].str() : "common";
      if (method != "common" && method != "ceil" && method != "floor")
        throw OpError("method must be common, ceil or floor");
      v.require_defined();
      if (!v.is_number()) throw OpError("type " + v.type_name() + " doesn't define __round__ method");
      if (method == "common") {
        if (!v.is_float()) return Value(v.as_int());  // round(int, n) stays an int
        return Value(py_round(v.as_float(), prec));
      }
      double m = std::pow(10.0, static_cast<double>(prec));
      double x = v.as_float() * m;
      return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / m);
    };
    f["safe"] = [](const Value& v, CallArgs& a) {
      bind("safe", a, {});
      return Value(v.str());
    };
    f["sort"] = [](const Value& v, CallArgs& a) {
      Params p = bind("sort", a, {"reverse", "case_sensitive", "attribute"});
      return Value(sorted(iterate(v), p.has(0) && p[0].truthy(), p.has(1) && p[1].truthy(), p.has(2) ? p[2] : Value()));
    };
    f["string"] = [](const Value& v, CallArgs& a) {
      bind("string", a, {});
      return Value(v.str());
    };
    f["sum"] = [](const Value& v, CallArgs& a) {
      Params p = bind("sum", a, {"attribute", "start"});
      Value total = p.has(1) ? p[1] : Value(int64_t{0});
      for (const auto& item : iterate(v))
        total = binary_op("+", total, p.has(0) && !p[0].is_none() ? attr_path(item, p[0]) : item);
      return total;
    };
    f["title"] = [](const Value& v, CallArgs& a) {
      bind("title", a, {});
      return Value(jinja_title(v.str()));
    };
    f["tojson"] = tojson_filter;
    f["trim"] = [](const Value& v, CallArgs& a) {
      Params p = bind("trim", a, {"chars"});
      return Value(py_strip_args("trim", v.str(), p[0], true, true));
    };
    f["unique"] = [](const Value& v, CallArgs& a) {
      Params p = bind("unique", a, {"case_sensitive", "attribute"});
      bool cs = p.has(0) && p[0].truthy();
      ValueList out, seen;
      for (const auto& item : iterate(v)) {
        Value k = sort_key(p.has(1) && !p[1].is_none() ? attr_path(item, p[1]) : item, cs);
        bool dup = false;
        for (const auto& s : seen)
          if (values_equal(s, k)) dup = true;
        if (!dup) {
          seen.push_back(k);
          out.push_back(item);
        }
      }
      return Value(std::move(out));
    };
    f["wordcount"] = [](const Value& v, CallArgs& a) {
      bind("wordcount", a, {});
      // jinja2 counts \w+ runs.
      int64_t n = 0;
      bool in_word = false;
      std::string s = v.str();
      size_t i = 0;
      while (i < s.size()) {
        uint32_t c = decode_utf8(s, i);
        bool w = c == '_' || cp_digit(c) || cp_alpha(c);
        if (w && !in_word) ++n;
        in_word = w;
      }
      return Value(n);
    };
    return f;
  }();
  return table;
}

// ---- tests ----------------------------------------------------------------------

Value str_method(const std::string& s, const std::string& name, CallArgs& a);

using TestFn = std::function<bool(const Value&, CallArgs&)>;

const Value& one_arg(const std::string& name, CallArgs& a) {
  if (a.args.size() + a.kwargs.size() != 1) throw OpError("test '" + name + "' takes exactly one argument");
  return a.args.empty() ? a.kwargs[0].second : a.args[0];
}

const std::unordered_map<std::string, TestFn>& tests() {
  static const std::unordered_map<std::string, TestFn> table = [] {
    std::unordered_map<std::string, TestFn> t;
    t["defined"] = [](const Value& v, CallArgs&) { return !v.is_undefined(); };
    t["undefined"] = [](const Value& v, CallArgs&) { return v.is_undefined(); };
    t["none"] = [](const Value& v, CallArgs&) { return v.is_none(); };
    t["string"] = [](const Value& v, CallArgs&) { return v.is_string(); };
    t["number"] = [](const Value& v, CallArgs&) { return v.is_number(); };
    t["integer"] = [](const Value& v, CallArgs&) { return v.is_int(); };
    t["float"] = [](const Value& v, CallArgs&) { return v.is_float(); };
    t["boolean"] = [](const Value& v, CallArgs&) { return v.is_bool(); };
    t["true"] = [](const Value& v, CallArgs&) { return v.is_bool() && v.as_bool(); };
    t["false"] = [](const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); };
    t["mapping"] = [](const Value& v, CallArgs&) { return v.is_dict(); };
    t["iterable"] = [](const Value& v, CallArgs&) {
      return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
    };
    // jinja2 checks len() and __getitem__, which Undefined also has.
    t["sequence"] = [](const Value& v, CallArgs&) {
      return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
    };
    // Undefined defines __call__ (it raises when called), so Python calls it callable.
    t["callable"] = [](const Value& v, CallArgs&) { return v.is_callable() || v.is_undefined(); };
    // value % 2 == 1 / == 0, with Python's % (floats included).
    t["odd"] = [](const Value& v, CallArgs&) { return values_equal(binary_op("%", v, Value(int64_t{2})), Value(int64_t{1})); };
    t["even"] = [](const Value& v, CallArgs&) { return values_equal(binary_op("%", v, Value(int64_t{2})), Value(int64_t{0})); };
    t["divisibleby"] = [](const Value& v, CallArgs& a) {
      const Value n = one_arg("divisibleby", a);
      return values_equal(binary_op("%", v, n), Value(int64_t{0}));
    };
    t["eq"] = [](const Value& v, CallArgs& a) { return values_equal(v, one_arg("eq", a)); };
    t["equalto"] = t["eq"];
    t["=="] = t["eq"];
    t["ne"] = [](const Value& v, CallArgs& a) { return !values_equal(v, one_arg("ne", a)); };
    t["!="] = t["ne"];
    t["lt"] = [](const Value& v, CallArgs& a) { return value_less(v, one_arg("lt", a)); };
    t["lessthan"] = t["lt"];
    t["<"] = t["lt"];
    t["gt"] = [](const Value& v, CallArgs& a) { return value_less(one_arg("gt", a), v); };
    t["greaterthan"] = t["gt"];
    t[">"] = t["gt"];
    t["le"] = [](const Value& v, CallArgs& a) { return !value_less(one_arg("le", a), v); };
    t["<="] = t["le"];
    t["ge"] = [](const Value& v, CallArgs& a) { return !value_less(v, one_arg("ge", a)); };
    t[">="] = t["ge"];
    t["in"] = [](const Value& v, CallArgs& a) { return contains(one_arg("in", a), v); };
    t["sameas"] = [](const Value& v, CallArgs& a) {
      const Value o = one_arg("sameas", a);
      if (v.kind() != o.kind()) return false;
      if (v.is_none() || v.is_undefined()) return true;
      if (v.is_bool()) return v.as_bool() == o.as_bool();
      return values_equal(v, o) && (v.is_int() || v.is_string());
    };
    // str(value).islower() / .isupper()
    t["lower"] = [](const Value& v, CallArgs& a) {
      CallArgs none;
      return str_method(v.str(), "islower", none).as_bool();
    };
    t["upper"] = [](const Value& v, CallArgs& a) {
      CallArgs none;
      return str_method(v.str(), "isupper", none).as_bool();
    };
    t["escaped"] = [](const Value&, CallArgs&) { return false; };
    t["filter"] = [](const Value& v, CallArgs&) { return v.is_string() && has_filter(v.as_string()); };
    t["test"] = [](const Value& v, CallArgs&) { return v.is_string() && has_test(v.as_string()); };
    return t;
  }();
  return table;
}

// ---- methods ---------------------------------------------------------------------------

Value str_method(const std::string& s, const std::string& name, CallArgs& a) {
  if (name == "startswith" || name == "endswith") {
    Params p = bind(name, a, {"prefix", "start", "end"}, 1);
    return Value(affix_match(name, str_window(s, p[1], p[2]), p[0], name == "startswith"));
  }
  if (name == "split" || name == "rsplit") {
    Params p = bind(name, a, {"sep", "maxsplit"});
    int64_t maxsplit = p.has(1) ? need_int(name, p[1]) : -1;
    return Value(name == "split" ? str_split(s, p[0], maxsplit) : str_rsplit(s, p[0], maxsplit));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    Params p = bind(name, a, {"chars"});
    return Value(py_strip_args(name, s, p[0], name != "rstrip", name != "lstrip"));
  }
  if (name == "replace") {
    Params p = bind(name, a, {"old", "new", "count"}, 2);
    int64_t count = p.has(2) ? need_int(name, p[2]) : -1;
    return Value(str_replace(s, need_str(name, p[0]), need_str(name, p[1]), count));
  }
  if (name == "upper") return bind(name, a, {}), Value(str_upper(s));
  if (name == "lower") return bind(name, a, {}), Value(str_lower(s));
  if (name == "title") return bind(name, a, {}), Value(str_title(s));
  if (name == "capitalize") return bind(name, a, {}), Value(str_capitalize(s));
  if (name == "swapcase")
    return bind(name, a, {}), Value(map_cps(s, [](uint32_t c) { return cp_is_upper(c) ? cp_lower(c) : cp_upper(c); }));
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    Params p = bind(name, a, {"sub", "start", "end"}, 1);
    const std::string& sub = need_str(name, p[0]);
    std::string w = str_window(s, p[1], p[2]);
    int64_t base = 0;
    if (p.has(1) && !p[1].is_none()) {
      int64_t n = static_cast<int64_t>(utf8_length(s));
      int64_t st = need_int(name, p[1]);
      base = st < 0 ? std::max<int64_t>(0, st + n) : std::min(st, n);
    }
    if (name == "count") {
      if (sub.empty()) return Value(static_cast<int64_t>(utf8_length(w)) + 1);
      int64_t n = 0;
      for (size_t at = w.find(sub); at != std::string::npos; at = w.find(sub, at + sub.size())) ++n;
      return Value(n);
    }
    size_t at = (name == "find" || name == "index") ? w.find(sub) : w.rfind(sub);
    if (at == std::string::npos) {
      if (name == "index" || name == "rindex") throw OpError("substring not found");
      return Value(int64_t{-1});
    }
    return Value(base + cp_offset(w, at));
  }
  if (name == "join") {
    Params p = bind(name, a, {"iterable"}, 1);
    std::string out;
    bool first = true;
    for (const auto& item : iterate(p[0])) {
      if (!item.is_string()) throw OpError("sequence item: expected str instance, " + item.type_name() + " found");
      if (!first) out += s;
      first = false;
      out += item.as_string();
    }
    return Value(out);
  }
  if (name == "splitlines") {
    Params p = bind(name, a, {"keepends"});
    bool keep = p.has(0) && p[0].truthy();
    ValueList out;
    size_t start = 0, i = 0;
    while (i < s.size()) {
      size_t at = i;
      uint32_t c = decode_utf8(s, i);
      bool nl = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) || c == 0x85 ||
                c == 0x2028 || c == 0x2029;
      if (!nl) continue;
      if (c == '\r' && i < s.size() && s[i] == '\n') ++i;
      out.emplace_back(s.substr(start, (keep ? i : at) - start));
      start = i;
    }
    if (start < s.size()) out.emplace_back(s.substr(start));
    return Value(std::move(out));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    Params p = bind(name, a, {"affix"}, 1);
    const std::string& x = need_str(name, p[0]);
    if (name == "removeprefix" && s.compare(0, x.size(), x) == 0) return Value(s.substr(x.size()));
    if (name == "removesuffix" && !x.empty() && s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0)
      return Value(s.substr(0, s.size() - x.size()));
    return Value(s);
  }
  if (name == "zfill") {
    Params p = bind(name, a, {"width"}, 1);
    int64_t w = need_int(name, p[0]);
    int64_t len = static_cast<int64_t>(utf8_length(s));
    if (w <= len) return Value(s);
    std::string pad(static_cast<size_t>(w - len), '0');
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) return Value(s.substr(0, 1) + pad + s.substr(1));
    return Value(pad + s);
  }
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal" || name == "isalpha" || name == "isalnum" ||
      name == "isspace" || name == "isupper" || name == "islower") {
    bind(name, a, {});
    if (s.empty()) return Value(false);
    bool any_cased = false, ok = true;
    size_t i = 0;
    while (i < s.size()) {
      uint32_t c = decode_utf8(s, i);
      if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") ok = ok && cp_digit(c);
      else if (name == "isalpha") ok = ok && cp_alpha(c);
      else if (name == "isalnum") ok = ok && (cp_alpha(c) || cp_digit(c));
      else if (name == "isspace") ok = ok && py_isspace(c);
      else if (name == "isupper") {
        if (cp_is_lower(c)) ok = false;
        if (cp_is_upper(c)) any_cased = true;
      } else {
        if (cp_is_upper(c)) ok = false;
        if (cp_is_lower(c)) any_cased = true;
      }
    }
    if (name == "isupper" || name == "islower") return Value(ok && any_cased);
    return Value(ok);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    Params p = bind(name, a, {"width", "fillchar"}, 1);
    int64_t w = need_int(name, p[0]);
    std::string fill = p.has(1) ? need_str(name, p[1]) : " ";
    if (utf8_length(fill) != 1) throw OpError("The fill character must be exactly one character long");
    int64_t len = static_cast<int64_t>(utf8_length(s));
    if (w <= len) return Value(s);
    int64_t marg = w - len;
    int64_t left = name == "ljust" ? 0 : name == "rjust" ? marg : marg / 2 + (marg & w & 1);
    std::string l, r;
    for (int64_t k = 0; k < left; ++k) l += fill;
    for (int64_t k = 0; k < marg - left; ++k) r += fill;
    return Value(l + s + r);
  }
  throw OpError("'str' object has no attribute '" + name + "'");
}

const char* const kStrMethods[] = {"startswith", "endswith", "split", "rsplit", "strip", "lstrip", "rstrip",
                                   "replace", "upper", "lower", "title", "capitalize", "swapcase", "find", "rfind",
                                   "index", "rindex", "count", "join", "splitlines", "removeprefix", "removesuffix",
                                   "zfill", "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace",
                                   "isupper", "islower", "center", "ljust", "rjust"};
const char* const kDictMethods[] = {"items", "keys", "values", "get"};
const char* const kListMethods[] = {"index", "count"};
// Methods the immutable sandbox refuses (jinja2.sandbox.modifies_known_mutable).
const char* const kMutators[] = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                                 "update", "setdefault", "popitem", "add", "discard"};

template <size_t N>
bool listed(const char* const (&names)[N], const std::string& name) {
  for (const char* n : names)
    if (name == n) return true;
  return false;
}

Value dict_method(const Value& d, const std::string& name, CallArgs& a) {
  if (name == "items") return bind(name, a, {}), Value(dict_items(d.as_dict()));
  if (name == "keys" || name == "values") {
    bind(name, a, {});
    ValueList out;
    for (const auto& [k, v] : d.as_dict().entries) out.push_back(name == "keys" ? k : v);
    return Value(std::move(out));
  }
  Params p = bind("get", a, {"key", "default"}, 1);
  const Value* v = d.as_dict().find(p[0]);
  if (v) return *v;
  return p.has(1) ? p[1] : Value::none();
}

Value list_method(const Value& l, const std::string& name, CallArgs& a) {
  Params p = bind(name, a, {"value"}, 1);
  const auto& items = l.as_list();
  if (name == "count") {
    int64_t n = 0;
    for (const auto& x : items)
      if (values_equal(x, p[0])) ++n;
    return Value(n);
  }
  for (size_t i = 0; i < items.size(); ++i)
    if (values_equal(items[i], p[0])) return Value(static_cast<int64_t>(i));
  throw OpError(p[0].repr() + " is not in list");
}

std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_namespace()) return "jinja2.utils.Namespace object";
  return v.type_name() + " object";
}

}  // namespace

// ---- public ----------------------------------------------------------------------------

bool has_filter(const std::string& name) { return filters().count(name) != 0; }
Value apply_filter(const std::string& name, const Value& v, CallArgs& args) { return filters().at(name)(v, args); }
bool has_test(const std::string& name) { return tests().count(name) != 0; }
bool apply_test(const std::string& name, const Value& v, CallArgs& args) { return tests().at(name)(v, args); }

bool get_method(const Value& obj, const std::string& name, Value& out) {
  if (obj.is_string() && listed(kStrMethods, name)) {
    std::string s = obj.as_string();
    out = Value::function("str." + name, [s, name](CallArgs& a) { return str_method(s, name, a); });
    return true;
  }
  if (obj.is_dict() && listed(kDictMethods, name)) {
    out = Value::function("dict." + name, [obj, name](CallArgs& a) { return dict_method(obj, name, a); });
    return true;
  }
  if (obj.is_list() && listed(kListMethods, name)) {
    out = Value::function("list." + name, [obj, name](CallArgs& a) { return list_method(obj, name, a); });
    return true;
  }
  if ((obj.is_list() || obj.is_dict()) && listed(kMutators, name)) {
    out = Value::undefined("access to attribute '" + name + "' of '" + obj.type_name() +
                           "' object is unsafe (chat templates cannot modify lists or dicts)");
    return true;
  }
  return false;
}

Value get_attr(const Value& obj, const std::string& name) {
  obj.require_defined();
  Value m;
  if (get_method(obj, name, m)) return m;
  if (obj.is_dict() || obj.is_namespace()) {
    const Value* v = obj.is_dict() ? obj.as_dict().find(Value(name)) : obj.namespace_attrs().find(Value(name));
    if (v) return *v;
  }
  return Value::undefined("'" + object_type_repr(obj) + "' has no attribute '" + name + "'");
}

Value get_item(const Value& obj, const Value& key) {
  obj.require_defined();
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().find(key)) return *v;
  } else if (obj.is_namespace()) {
    if (const Value* v = obj.namespace_attrs().find(key)) return *v;
  } else if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t i = key.as_int();
    if (obj.is_list()) {
      int64_t n = static_cast<int64_t>(obj.as_list().size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return obj.as_list()[static_cast<size_t>(i)];
    } else {
      std::vector<std::string> cs = utf8_chars(obj.as_string());
      int64_t n = static_cast<int64_t>(cs.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return Value(cs[static_cast<size_t>(i)]);
    }
  }
  if (key.is_string()) return get_attr(obj, key.as_string());
  return Value::undefined("'" + object_type_repr(obj) + "' has no element " + key.repr());
}

ValueList iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return {};
    case Value::Kind::List:
      return v.as_list();
    case Value::Kind::Dict: {
      ValueList keys;
      for (const auto& kv : v.as_dict().entries) keys.push_back(kv.first);
      return keys;
    }
    case Value::Kind::String: {
      ValueList out;
      for (auto& c : utf8_chars(v.as_string())) out.emplace_back(std::move(c));
      return out;
    }
    default:
      throw OpError("'" + v.type_name() + "' object is not iterable");
  }
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::String:
      item.require_defined();
      if (!item.is_string())
        throw OpError("'in <string>' requires string as left operand, not " + item.type_name());
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const auto& x : container.as_list())
        if (values_equal(x, item)) return true;
      return false;
    case Value::Kind::Dict:
      if ((item.is_list() && !item.is_tuple()) || item.is_mapping())
        throw OpError("unhashable type: '" + item.type_name() + "'");
      return container.as_dict().find(item) != nullptr;
    case Value::Kind::Undefined:
      return false;
    default:
      throw OpError("argument of type '" + container.type_name() + "' is not iterable");
  }
}

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  a.require_defined();
  b.require_defined();
  auto unsupported = [&]() -> OpError {
    return OpError("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
  };
  if (a.is_number() && b.is_number()) {
    bool ints = !a.is_float() && !b.is_float();
    int64_t x = ints ? a.as_int() : 0, y = ints ? b.as_int() : 0, r = 0;
    double fx = a.as_float(), fy = b.as_float();
    if (op == "+") {
      if (!ints) return Value(fx + fy);
      overflow_check(__builtin_add_overflow(x, y, &r));
      return Value(r);
    }
    if (op == "-") {
      if (!ints) return Value(fx - fy);
      overflow_check(__builtin_sub_overflow(x, y, &r));
      return Value(r);
    }
    if (op == "*") {
      if (!ints) return Value(fx * fy);
      overflow_check(__builtin_mul_overflow(x, y, &r));
      return Value(r);
    }
    if (op == "/") {
      if (fy == 0.0) throw OpError("division by zero");
      return Value(fx / fy);
    }
    if (op == "//") return ints ? Value(py_floordiv(x, y)) : Value(py_ffloordiv(fx, fy));
    if (op == "%") return ints ? Value(py_mod(x, y)) : Value(py_fmod(fx, fy));
    if (op == "**") {
      if (ints && y >= 0) {
        int64_t result = 1, base = x;
        for (int64_t e = y; e > 0; e >>= 1) {
          if (e & 1) overflow_check(__builtin_mul_overflow(result, base, &result));
          if (e > 1) overflow_check(__builtin_mul_overflow(base, base, &base));
        }
        return Value(result);
      }
      if (fx == 0.0 && fy < 0) throw OpError("0.0 cannot be raised to a negative power");
      return Value(std::pow(fx, fy));
    }
    throw unsupported();
  }
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      Value::check_string_size(a.as_string().size() + b.as_string().size());
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_string()) throw OpError("can only concatenate str (not \"" + b.type_name() + "\") to str");
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      ValueList out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return Value(std::move(out), a.is_tuple());
    }
    if (a.is_list())
      throw OpError("can only concatenate " + a.type_name() + " (not \"" + b.type_name() + "\") to " + a.type_name());
    throw unsupported();
  }
  if (op == "*") {
    const Value* seq = (a.is_string() || a.is_list()) ? &a : (b.is_string() || b.is_list()) ? &b : nullptr;
    const Value* count = seq == &a ? &b : &a;
    if (seq && (count->is_int() || count->is_bool())) {
      int64_t n = std::max<int64_t>(0, count->as_int());
      if (seq->is_string()) {
        if (n > 0 && static_cast<double>(seq->as_string().size()) * static_cast<double>(n) >
                         static_cast<double>(Value::kMaxStringBytes))
          throw OpError("string longer than 256 MiB");
        std::string out;
        for (int64_t k = 0; k < n; ++k) out += seq->as_string();
        return Value(out);
      }
      if (n > 0 && static_cast<double>(seq->as_list().size()) * static_cast<double>(n) > 1e7)
        throw OpError("repeated list would exceed 10 million items");
      ValueList out;
      for (int64_t k = 0; k < n; ++k) out.insert(out.end(), seq->as_list().begin(), seq->as_list().end());
      return Value(std::move(out), seq->is_tuple());
    }
    throw unsupported();
  }
  if (op == "%" && a.is_string()) return Value(percent_format(a.as_string(), b));
  throw unsupported();
}

}  // namespace ragforge::tmpl
