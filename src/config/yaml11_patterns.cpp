#include "config/yaml11_patterns.h"

namespace ragforge::config::yaml11 {
namespace {

// A cursor over the string; each take_* consumes what it matches.
struct Scan {
  std::string_view s;
  size_t i = 0;

  bool done() const { return i == s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool take(char c) {
    if (peek() != c || done()) return false;
    ++i;
    return true;
  }
  template <class Pred>
  size_t take_while(Pred p) {
    size_t start = i;
    while (!done() && p(s[i])) ++i;
    return i - start;
  }
  void take_sign() { take('-') || take('+'); }
};

bool digit(char c) { return c >= '0' && c <= '9'; }
bool digit_(char c) { return digit(c) || c == '_'; }

// (?::[0-5]?[0-9])+ : at least one group; each is ':' and one or two digits,
// the first of two at most 5.
bool sexagesimal_groups(Scan& sc) {
  int groups = 0;
  while (sc.peek() == ':') {
    ++sc.i;
    const size_t n = sc.take_while(digit);
    if (n == 0 || n > 2 || (n == 2 && sc.s[sc.i - 2] > '5')) return false;
    ++groups;
  }
  return groups > 0;
}

// [eE] sign? [0-9]+, the sign required or optional.
bool exponent(Scan& sc, bool sign_required) {
  if (!sc.take('e') && !sc.take('E')) return false;
  const bool signed_ = sc.take('-') || sc.take('+');
  if (sign_required && !signed_) return false;
  return sc.take_while(digit) > 0;
}

// An optional exponent that must end the string.
bool optional_exponent_then_end(Scan sc, bool sign_required) {
  if (sc.done()) return true;
  return exponent(sc, sign_required) && sc.done();
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (s == w) return true;
  return false;
}

// [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
bool inf_or_nan(std::string_view s) {
  if (one_of(s, {".nan", ".NaN", ".NAN"})) return true;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return one_of(s, {".inf", ".Inf", ".INF"});
}

// [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
bool sexagesimal_float(std::string_view s) {
  Scan sc{s};
  sc.take_sign();
  if (!digit(sc.peek())) return false;
  sc.take_while(digit_);
  if (!sexagesimal_groups(sc) || !sc.take('.')) return false;
  sc.take_while(digit_);
  return sc.done();
}

// [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(exponent)?  (the sign of the exponent
// required or not), and with `bare_exponent` also [-+]?[0-9][0-9_]*(exponent).
bool decimal_float(std::string_view s, bool exponent_sign_required, bool bare_exponent) {
  Scan sc{s};
  sc.take_sign();
  if (!digit(sc.peek())) return false;
  sc.take_while(digit_);
  if (sc.take('.')) {
    sc.take_while(digit_);
    return optional_exponent_then_end(sc, exponent_sign_required);
  }
  return bare_exponent && exponent(sc, exponent_sign_required) && sc.done();
}

// \.[0-9][0-9_]*(exponent)?  or, for OmegaConf, \.[0-9_]+(exponent)?;
// the exponent's sign is required in both.
bool leading_dot_float(std::string_view s, bool first_may_be_underscore) {
  Scan sc{s};
  if (!sc.take('.')) return false;
  if (!(first_may_be_underscore ? digit_(sc.peek()) : digit(sc.peek()))) return false;
  sc.take_while(digit_);
  return optional_exponent_then_end(sc, /*sign_required=*/true);
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

}  // namespace

bool is_bool(std::string_view s) {
  return one_of(s, {"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
                    "on", "On", "ON", "off", "Off", "OFF"});
}

bool is_int(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty() || !digit(s[0])) return false;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'b') return all_of(s.substr(2), [](char c) { return c == '0' || c == '1' || c == '_'; });
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x')
    return all_of(s.substr(2), [](char c) {
      return digit_(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
  if (s[0] == '0') return s.size() == 1 || all_of(s.substr(1), [](char c) { return (c >= '0' && c <= '7') || c == '_'; });
  Scan sc{s};
  sc.take_while(digit_);
  return sc.done() || (sexagesimal_groups(sc) && sc.done());
}

bool is_float(std::string_view s) {
  return decimal_float(s, /*exponent_sign_required=*/true, /*bare_exponent=*/false) ||
         leading_dot_float(s, /*first_may_be_underscore=*/false) || sexagesimal_float(s) || inf_or_nan(s);
}

bool is_omegaconf_float(std::string_view s) {
  return decimal_float(s, /*exponent_sign_required=*/false, /*bare_exponent=*/true) ||
         leading_dot_float(s, /*first_may_be_underscore=*/true) || sexagesimal_float(s) || inf_or_nan(s);
}

bool is_timestamp(std::string_view s) {
  Scan sc{s};
  auto digits = [&sc](size_t min, size_t max) {
    const size_t n = sc.take_while(digit);
    return n >= min && n <= max;
  };
  if (!digits(4, 4) || !sc.take('-')) return false;
  const size_t month_start = sc.i;
  if (!digits(1, 2) || !sc.take('-')) return false;
  const size_t day_start = sc.i;
  if (!digits(1, 2)) return false;
  if (sc.done()) return day_start - month_start == 3 && sc.i - day_start == 2;  // the date-only form
  if (!sc.take('T') && !sc.take('t') && sc.take_while([](char c) { return c == ' ' || c == '\t'; }) == 0) return false;
  if (!digits(1, 2) || !sc.take(':') || !digits(2, 2) || !sc.take(':') || !digits(2, 2)) return false;
  if (sc.take('.')) sc.take_while(digit);
  if (sc.done()) return true;
  sc.take_while([](char c) { return c == ' ' || c == '\t'; });
  if (sc.take('Z')) return sc.done();
  if (!sc.take('-') && !sc.take('+')) return false;
  if (!digits(1, 2)) return false;
  if (sc.take(':') && !digits(2, 2)) return false;
  return sc.done();
}

}  // namespace ragforge::config::yaml11
