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

#include "config/node.h"

namespace ragforge::config {
namespace {
std::string quote(const std::string& s) {
  // Python prefers single quotes unless the text holds one and no double quote.
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char q = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == q || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    if (c == '\t') { out += "\\t"; continue; }
    out += c;
  }
  return out + q;
}
std::string key_repr(const Key& k) {
  switch (k.type) {
    case Key::Type::String: return quote(k.text);
    case Key::Type::Bool: return k.text == "true" ? "True" : "False";
    default: return k.text;
  }
}
}  // namespace

std::string python_repr(const Node& n) {
  if (n.is_string()) return quote(n.as_string());
  return python_str(n);
}

std::string python_str(const Node& n) {
  switch (n.type()) {
    case Node::Type::Null: return "None";
    case Node::Type::Bool: return n.as_bool() ? "True" : "False";
    case Node::Type::Int: return std::to_string(n.as_int());
    case Node::Type::Float: return python_float_repr(n.as_float());
    case Node::Type::String: return n.as_string();
    case Node::Type::List: {
      std::string s = "[";
      for (size_t i = 0; i < n.items().size(); ++i) s += (i ? ", " : "") + python_repr(n.items()[i]);
      return s + "]";
    }
    case Node::Type::Dict: {
      std::string s = "{";
      bool first = true;
      for (const auto& e : n.entries()) {
        s += (first ? "" : ", ") + key_repr(e.key) + ": " + python_repr(e.value);
        first = false;
      }
      return s + "}";
    }
  }
  return "";
}

}  // namespace ragforge::config
