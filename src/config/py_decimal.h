// Python's decimal.Decimal, reduced to what Hydra's FloatRange needs:
// exact conversion from a double or an int, addition rounded to the default
// context (28 significant digits, ROUND_HALF_EVEN), comparison and float().
// Hydra steps float ranges in Decimal, so `range(0,1,0.3)` yields
// 0.8999999999999999 exactly as Python does; plain double addition would not
// always agree.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ragforge::config {

class PyDecimal {
 public:
  static PyDecimal from_double(double v);
  static PyDecimal from_int(int64_t v);
  // An int of any size, as canonical decimal text (python_int.h); exact like Decimal(int).
  static PyDecimal from_int_text(const std::string& text);

  bool is_nan() const { return nan_; }
  bool is_inf() const { return inf_; }
  // The sum in the default context. inf + -inf gives NaN (Python raises
  // InvalidOperation; callers check is_nan()).
  PyDecimal operator+(const PyDecimal& o) const;
  // -1, 0 or 1. Both operands must not be NaN.
  int compare(const PyDecimal& o) const;
  int sign() const;  // -1, 0 or 1 (NaN: 0)
  double to_double() const;
  std::string str() const;  // Python's str(Decimal): '0.5', '1E+2', 'Infinity'

 private:
  bool neg_ = false;
  bool inf_ = false;
  bool nan_ = false;
  std::vector<uint8_t> digits_;  // coefficient, most significant first; empty is zero
  int64_t exp_ = 0;              // value = coefficient * 10^exp_

  void trim_leading_zeros();
  void round_to_context();
};

}  // namespace ragforge::config
