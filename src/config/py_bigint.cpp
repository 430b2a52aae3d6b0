#include "config/py_bigint.h"

#include <algorithm>

namespace ragforge::config {
namespace {
constexpr uint32_t kBase = 1000000000u;
}

void PyBigInt::trim(Limbs& l) {
  while (!l.empty() && l.back() == 0) l.pop_back();
}

PyBigInt PyBigInt::make(bool neg, Limbs l) {
  trim(l);
  PyBigInt r;
  r.neg_ = neg && !l.empty();
  r.limbs_ = std::move(l);
  return r;
}

PyBigInt PyBigInt::from_int(int64_t v) {
  uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  Limbs l;
  while (mag) {
    l.push_back(static_cast<uint32_t>(mag % kBase));
    mag /= kBase;
  }
  return make(v < 0, std::move(l));
}

PyBigInt PyBigInt::from_decimal(std::string_view text) {
  bool neg = !text.empty() && text[0] == '-';
  if (neg) text.remove_prefix(1);
  Limbs l;
  for (size_t end = text.size(); end > 0;) {
    size_t begin = end >= 9 ? end - 9 : 0;
    uint32_t limb = 0;
    for (size_t i = begin; i < end; ++i) limb = limb * 10 + static_cast<uint32_t>(text[i] - '0');
    l.push_back(limb);
    end = begin;
  }
  return make(neg, std::move(l));
}

std::string PyBigInt::decimal() const {
  if (limbs_.empty()) return "0";
  std::string s = std::to_string(limbs_.back());
  for (size_t i = limbs_.size() - 1; i-- > 0;) {
    std::string part = std::to_string(limbs_[i]);
    s += std::string(9 - part.size(), '0') + part;
  }
  return neg_ ? "-" + s : s;
}

int PyBigInt::compare_mag(const Limbs& a, const Limbs& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

PyBigInt::Limbs PyBigInt::add_mag(const Limbs& a, const Limbs& b) {
  Limbs r(std::max(a.size(), b.size()) + 1, 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    uint64_t s = carry + (i < a.size() ? a[i] : 0) + (i < b.size() ? b[i] : 0);
    r[i] = static_cast<uint32_t>(s % kBase);
    carry = s / kBase;
  }
  trim(r);
  return r;
}

PyBigInt::Limbs PyBigInt::sub_mag(const Limbs& a, const Limbs& b) {
  Limbs r(a.size(), 0);
  int64_t borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int64_t d = static_cast<int64_t>(a[i]) - borrow - (i < b.size() ? b[i] : 0);
    borrow = d < 0;
    r[i] = static_cast<uint32_t>(d < 0 ? d + kBase : d);
  }
  trim(r);
  return r;
}

PyBigInt::Limbs PyBigInt::mul_mag(const Limbs& a, const Limbs& b) {
  if (a.empty() || b.empty()) return {};
  std::vector<uint64_t> acc(a.size() + b.size() + 1, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.size(); ++j) {
      uint64_t cur = acc[i + j] + static_cast<uint64_t>(a[i]) * b[j] + carry;
      acc[i + j] = cur % kBase;
      carry = cur / kBase;
    }
    for (size_t k = i + b.size(); carry; ++k) {
      uint64_t cur = acc[k] + carry;
      acc[k] = cur % kBase;
      carry = cur / kBase;
    }
  }
  Limbs r(acc.begin(), acc.end());
  trim(r);
  return r;
}

int PyBigInt::compare(const PyBigInt& o) const {
  if (sign() != o.sign()) return sign() < o.sign() ? -1 : 1;
  int m = compare_mag(limbs_, o.limbs_);
  return neg_ ? -m : m;
}

PyBigInt PyBigInt::operator-() const { return make(!neg_, limbs_); }

PyBigInt PyBigInt::operator+(const PyBigInt& o) const {
  if (neg_ == o.neg_) return make(neg_, add_mag(limbs_, o.limbs_));
  if (compare_mag(limbs_, o.limbs_) >= 0) return make(neg_, sub_mag(limbs_, o.limbs_));
  return make(o.neg_, sub_mag(o.limbs_, limbs_));
}

PyBigInt PyBigInt::operator-(const PyBigInt& o) const { return *this + (-o); }

PyBigInt PyBigInt::operator*(const PyBigInt& o) const { return make(neg_ != o.neg_, mul_mag(limbs_, o.limbs_)); }

// Schoolbook long division in base 1e9; each quotient limb is found by
// binary search (b * q <= remainder), which keeps it short and exact.
PyBigInt PyBigInt::floor_div_nonneg(const PyBigInt& a, const PyBigInt& b) {
  Limbs q(a.limbs_.size(), 0);
  PyBigInt rem;
  for (size_t i = a.limbs_.size(); i-- > 0;) {
    Limbs shifted = rem.limbs_;
    shifted.insert(shifted.begin(), a.limbs_[i]);
    rem = make(false, std::move(shifted));
    uint32_t lo = 0, hi = kBase - 1;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo + 1) / 2;
      if (compare_mag(mul_mag(b.limbs_, {mid}), rem.limbs_) <= 0) lo = mid;
      else hi = mid - 1;
    }
    q[i] = lo;
    if (lo) rem = make(false, sub_mag(rem.limbs_, mul_mag(b.limbs_, {lo})));
  }
  return make(false, std::move(q));
}

}  // namespace ragforge::config
