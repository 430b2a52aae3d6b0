// Python's unbounded int, reduced to what range() needs: +, -, *, floor
// division of non-negative values, comparison, and decimal text in and out.
// Range bounds beyond 64 bits (range(2**70, 2**70 + 3)) stay exact, as in
// Python.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ragforge::config {

class PyBigInt {
 public:
  PyBigInt() = default;
  static PyBigInt from_int(int64_t v);
  // Canonical decimal text: -?(0|[1-9][0-9]*) (python_int.h).
  static PyBigInt from_decimal(std::string_view text);

  std::string decimal() const;
  int sign() const { return limbs_.empty() ? 0 : neg_ ? -1 : 1; }

  PyBigInt operator-() const;
  PyBigInt operator+(const PyBigInt& o) const;
  PyBigInt operator-(const PyBigInt& o) const;
  PyBigInt operator*(const PyBigInt& o) const;
  // a // b for a >= 0, b > 0.
  static PyBigInt floor_div_nonneg(const PyBigInt& a, const PyBigInt& b);

  int compare(const PyBigInt& o) const;  // -1, 0, 1
  bool operator<(const PyBigInt& o) const { return compare(o) < 0; }
  bool operator>(const PyBigInt& o) const { return compare(o) > 0; }
  bool operator==(const PyBigInt& o) const { return compare(o) == 0; }

 private:
  using Limbs = std::vector<uint32_t>;  // base 1e9, least significant first, no leading zero limbs
  bool neg_ = false;
  Limbs limbs_;

  static int compare_mag(const Limbs& a, const Limbs& b);
  static Limbs add_mag(const Limbs& a, const Limbs& b);
  static Limbs sub_mag(const Limbs& a, const Limbs& b);  // |a| >= |b|
  static Limbs mul_mag(const Limbs& a, const Limbs& b);
  static void trim(Limbs& l);
  static PyBigInt make(bool neg, Limbs l);
};

}  // namespace ragforge::config
