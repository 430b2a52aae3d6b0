#include "config/python_repr.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace ragforge::config {

// CPython's float_repr_style 'short': the shortest digits that round-trip,
// in fixed notation when the decimal point lands in [-4, 16), else exponent.
std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-1.5e-05"
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  int exp10 = std::atoi(sci.c_str() + e + 1);
  int decpt = exp10 + 1;  // value = 0.<digits> * 10^decpt
  if (decpt <= -4 || decpt > 16) {
    std::string mant = digits.substr(0, 1);
    if (digits.size() > 1) mant += "." + digits.substr(1);
    std::string ex = std::to_string(std::abs(exp10));
    if (ex.size() < 2) ex = "0" + ex;
    return sign + mant + "e" + (exp10 < 0 ? "-" : "+") + ex;
  }
  std::string out;
  if (decpt <= 0) {
    out = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    out = digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
  } else {
    out = digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
  }
  return sign + out;
}

}  // namespace ragforge::config

