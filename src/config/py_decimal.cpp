#include "config/py_decimal.h"

#include <algorithm>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <locale.h>

namespace ragforge::config {
namespace {

constexpr size_t kPrecision = 28;  // decimal.DefaultContext.prec

// coefficient *= m (m small), digits most significant first.
void mul_small(std::vector<uint8_t>& d, unsigned m) {
  unsigned carry = 0;
  for (size_t i = d.size(); i-- > 0;) {
    unsigned v = d[i] * m + carry;
    d[i] = static_cast<uint8_t>(v % 10);
    carry = v / 10;
  }
  while (carry) {
    d.insert(d.begin(), static_cast<uint8_t>(carry % 10));
    carry /= 10;
  }
}

std::vector<uint8_t> digits_of(uint64_t v) {
  std::vector<uint8_t> d;
  while (v) {
    d.insert(d.begin(), static_cast<uint8_t>(v % 10));
    v /= 10;
  }
  return d;
}

// |a| vs |b| for equal-length aligned digit strings.
int cmp_mag(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

std::vector<uint8_t> aligned(const std::vector<uint8_t>& d, int64_t exp, int64_t to_exp) {
  std::vector<uint8_t> out = d;
  out.insert(out.end(), static_cast<size_t>(exp - to_exp), 0);
  return out;
}

void strip_zeros(std::vector<uint8_t>& d) {
  size_t k = 0;
  while (k < d.size() && d[k] == 0) ++k;
  d.erase(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k));
}

locale_t c_locale() {
  static locale_t loc = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  return loc;
}

}  // namespace

PyDecimal PyDecimal::from_double(double v) {
  PyDecimal d;
  if (std::isnan(v)) {
    d.nan_ = true;
    return d;
  }
  d.neg_ = std::signbit(v);
  if (std::isinf(v)) {
    d.inf_ = true;
    return d;
  }
  double a = std::fabs(v);
  if (a == 0.0) return d;
  // a = mant * 2^e exactly, mant odd (as float.as_integer_ratio reduces).
  int e = 0;
  double frac = std::frexp(a, &e);
  auto mant = static_cast<uint64_t>(std::ldexp(frac, 53));
  e -= 53;
  while ((mant & 1u) == 0) {
    mant >>= 1;
    ++e;
  }
  d.digits_ = digits_of(mant);
  if (e >= 0) {
    for (int i = 0; i < e; ++i) mul_small(d.digits_, 2);
  } else {
    // mant / 2^k == mant * 5^k / 10^k
    for (int i = 0; i < -e; ++i) mul_small(d.digits_, 5);
    d.exp_ = e;
  }
  return d;
}

PyDecimal PyDecimal::from_int(int64_t v) {
  PyDecimal d;
  d.neg_ = v < 0;
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  d.digits_ = digits_of(mag);
  return d;
}

PyDecimal PyDecimal::from_int_text(const std::string& text) {
  PyDecimal d;
  size_t i = 0;
  if (!text.empty() && text[0] == '-') {
    d.neg_ = true;
    i = 1;
  }
  for (; i < text.size(); ++i) d.digits_.push_back(static_cast<uint8_t>(text[i] - '0'));
  d.trim_leading_zeros();
  if (d.digits_.empty()) d.neg_ = false;
  return d;
}

int PyDecimal::sign() const {
  if (nan_) return 0;
  if (inf_) return neg_ ? -1 : 1;
  if (digits_.empty()) return 0;
  return neg_ ? -1 : 1;
}

void PyDecimal::trim_leading_zeros() { strip_zeros(digits_); }

void PyDecimal::round_to_context() {
  if (digits_.size() <= kPrecision) return;
  size_t drop = digits_.size() - kPrecision;
  uint8_t first = digits_[kPrecision];
  bool rest_nonzero = false;
  for (size_t i = kPrecision + 1; i < digits_.size(); ++i) rest_nonzero |= digits_[i] != 0;
  digits_.resize(kPrecision);
  exp_ += static_cast<int64_t>(drop);
  bool up = first > 5 || (first == 5 && (rest_nonzero || (digits_.back() % 2 == 1)));
  if (!up) return;
  size_t i = digits_.size();
  while (i-- > 0) {
    if (digits_[i] < 9) {
      ++digits_[i];
      return;
    }
    digits_[i] = 0;
  }
  // 999..9 rounded up to 1000..0: keep 28 digits.
  digits_.insert(digits_.begin(), 1);
  digits_.pop_back();
  ++exp_;
}

PyDecimal PyDecimal::operator+(const PyDecimal& o) const {
  PyDecimal r;
  if (nan_ || o.nan_) {
    r.nan_ = true;
    return r;
  }
  if (inf_ || o.inf_) {
    if (inf_ && o.inf_ && neg_ != o.neg_) {
      r.nan_ = true;
      return r;
    }
    r.inf_ = true;
    r.neg_ = inf_ ? neg_ : o.neg_;
    return r;
  }
  int64_t e = std::min(exp_, o.exp_);
  std::vector<uint8_t> a = aligned(digits_, exp_, e), b = aligned(o.digits_, o.exp_, e);
  size_t n = std::max(a.size(), b.size());
  a.insert(a.begin(), n - a.size(), 0);
  b.insert(b.begin(), n - b.size(), 0);
  r.exp_ = e;
  if (neg_ == o.neg_) {
    r.neg_ = neg_;
    r.digits_.assign(n, 0);
    unsigned carry = 0;
    for (size_t i = n; i-- > 0;) {
      unsigned v = a[i] + b[i] + carry;
      r.digits_[i] = static_cast<uint8_t>(v % 10);
      carry = v / 10;
    }
    if (carry) r.digits_.insert(r.digits_.begin(), static_cast<uint8_t>(carry));
  } else {
    int c = cmp_mag(a, b);
    if (c == 0) {
      r.neg_ = false;  // x + -x is +0 under ROUND_HALF_EVEN
      return r;
    }
    const auto& big = c > 0 ? a : b;
    const auto& small = c > 0 ? b : a;
    r.neg_ = c > 0 ? neg_ : o.neg_;
    r.digits_.assign(n, 0);
    int borrow = 0;
    for (size_t i = n; i-- > 0;) {
      int v = big[i] - small[i] - borrow;
      borrow = v < 0;
      r.digits_[i] = static_cast<uint8_t>(v < 0 ? v + 10 : v);
    }
  }
  r.trim_leading_zeros();
  if (r.digits_.empty()) {
    r.neg_ = neg_ && o.neg_;
    return r;
  }
  r.round_to_context();
  return r;
}

int PyDecimal::compare(const PyDecimal& o) const {
  int sa = sign(), sb = o.sign();
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  if (inf_ || o.inf_) {
    if (inf_ && o.inf_) return 0;
    return (inf_ ? 1 : -1) * sa;
  }
  int64_t e = std::min(exp_, o.exp_);
  // Compare magnitudes by adjusted exponent first (cheap), then digits.
  int64_t adj_a = exp_ + static_cast<int64_t>(digits_.size());
  int64_t adj_b = o.exp_ + static_cast<int64_t>(o.digits_.size());
  int mag = 0;
  if (adj_a != adj_b) {
    mag = adj_a < adj_b ? -1 : 1;
  } else {
    mag = cmp_mag(aligned(digits_, exp_, e), aligned(o.digits_, o.exp_, e));
  }
  return mag * sa;
}

double PyDecimal::to_double() const {
  if (nan_) return std::nan("");
  if (inf_) return neg_ ? -HUGE_VAL : HUGE_VAL;
  if (digits_.empty()) return neg_ ? -0.0 : 0.0;
  std::string s = neg_ ? "-" : "";
  for (uint8_t d : digits_) s += static_cast<char>('0' + d);
  s += "e" + std::to_string(exp_);
  return strtod_l(s.c_str(), nullptr, c_locale());
}

std::string PyDecimal::str() const {
  std::string sign = neg_ ? "-" : "";
  if (nan_) return "NaN";
  if (inf_) return sign + "Infinity";
  std::string c;
  for (uint8_t d : digits_) c += static_cast<char>('0' + d);
  if (c.empty()) c = "0";
  auto len = static_cast<int64_t>(c.size());
  int64_t adjusted = exp_ + len - 1;
  if (exp_ <= 0 && adjusted >= -6) {
    if (exp_ == 0) return sign + c;
    if (len > -exp_) {
      auto point = static_cast<size_t>(len + exp_);
      return sign + c.substr(0, point) + "." + c.substr(point);
    }
    return sign + "0." + std::string(static_cast<size_t>(-exp_ - len), '0') + c;
  }
  std::string out = sign + c.substr(0, 1);
  if (c.size() > 1) out += "." + c.substr(1);
  out += std::string("E") + (adjusted < 0 ? "-" : "+") + std::to_string(adjusted < 0 ? -adjusted : adjusted);
  return out;
}

}  // namespace ragforge::config
