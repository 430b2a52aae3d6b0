// Exact base conversion for ints beyond 64 bits (see python_int.h).
#include "config/python_int.h"

#include <algorithm>
#include <charconv>

namespace ragforge::config {

std::string decimal_mul_add(const std::string& dec, unsigned mul, unsigned add) {
  // Schoolbook, least significant digit first.
  std::string out;
  out.reserve(dec.size() + 3);
  unsigned long long carry = add;
  for (size_t i = dec.size(); i-- > 0;) {
    unsigned long long v = static_cast<unsigned long long>(dec[i] - '0') * mul + carry;
    out.push_back(static_cast<char>('0' + v % 10));
    carry = v / 10;
  }
  while (carry > 0) {
    out.push_back(static_cast<char>('0' + carry % 10));
    carry /= 10;
  }
  while (out.size() > 1 && out.back() == '0') out.pop_back();
  if (out.empty()) out = "0";
  std::reverse(out.begin(), out.end());
  return out;
}

std::string decimal_from_digits(std::string_view digits, int base, bool negative) {
  std::string dec = "0";
  for (char c : digits) {
    unsigned d = c >= '0' && c <= '9' ? static_cast<unsigned>(c - '0')
                                      : static_cast<unsigned>((c | 0x20) - 'a' + 10);
    dec = decimal_mul_add(dec, static_cast<unsigned>(base), d);
  }
  return negative && dec != "0" ? "-" + dec : dec;
}

std::optional<int64_t> int64_from_decimal(std::string_view dec) {
  int64_t v = 0;
  auto res = std::from_chars(dec.data(), dec.data() + dec.size(), v);
  if (res.ec != std::errc() || res.ptr != dec.data() + dec.size()) return std::nullopt;
  return v;
}

bool is_canonical_decimal(std::string_view s) {
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  if (s[i] == '0') return s.size() == i + 1 && i == 0;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace ragforge::config
