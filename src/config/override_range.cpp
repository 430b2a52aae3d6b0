// RangeSweep.range(): Python's range() when start, stop and step are ints,
// otherwise Hydra's FloatRange, which steps in decimal.Decimal.
#include <cmath>

#include "config/override_internal.h"
#include "config/py_bigint.h"
#include "config/py_decimal.h"

namespace ragforge::config::override_detail {
namespace {

using Kind = ParsedValue::Kind;

bool int_like(const ParsedValue& v) { return v.kind == Kind::Int || v.kind == Kind::Bool; }
// Python's ints are unbounded, so a bound beyond 64 bits stays exact.
PyBigInt as_big(const ParsedValue& v) {
  if (v.kind == Kind::Bool) return PyBigInt::from_int(v.boolean ? 1 : 0);
  return v.big_integer.empty() ? PyBigInt::from_int(v.integer) : PyBigInt::from_decimal(v.big_integer);
}
ParsedValue of_big(const PyBigInt& v) { return ParsedValue::of_int_decimal(v.decimal()); }

PyDecimal as_decimal(const ParsedValue& v) {
  if (v.kind == Kind::Int && !v.big_integer.empty()) return PyDecimal::from_int_text(v.big_integer);
  if (int_like(v)) return PyDecimal::from_int(v.kind == Kind::Bool ? v.boolean : v.integer);
  return PyDecimal::from_double(v.floating);
}

[[noreturn]] void too_many(size_t limit) {
  throw PyError("ValueError", "the range has more than " + std::to_string(limit) +
                                  " values; sweeps that large are not supported");
}

struct IntRange {
  PyBigInt start, stop, step;
};
IntRange int_bounds(const ParsedValue& range) {
  return {as_big(range.bounds.at(0)), as_big(range.bounds.at(1)), as_big(range.bounds.at(2))};
}

// len(range(start, stop, step))
PyBigInt int_range_len(const IntRange& r) {
  const PyBigInt zero, one = PyBigInt::from_int(1);
  if (r.step.sign() == 0) throw PyError("ValueError", "range() arg 3 must not be zero");
  if (r.step.sign() > 0 && r.start < r.stop) return PyBigInt::floor_div_nonneg(r.stop - r.start + r.step - one, r.step);
  if (r.step.sign() < 0 && r.start > r.stop)
    return PyBigInt::floor_div_nonneg(r.start - r.stop - r.step - one, -r.step);
  return zero;
}

std::vector<ParsedValue> int_range(const IntRange& r, size_t limit) {
  PyBigInt count = int_range_len(r);
  if (count > PyBigInt::from_int(static_cast<int64_t>(limit))) too_many(limit);
  std::vector<ParsedValue> out;
  PyBigInt v = r.start;
  for (PyBigInt k; k < count; k = k + PyBigInt::from_int(1), v = v + r.step) out.push_back(of_big(v));
  return out;
}

std::vector<ParsedValue> float_range(const ParsedValue& a, const ParsedValue& b, const ParsedValue& c,
                                     size_t limit) {
  PyDecimal start = as_decimal(a), stop = as_decimal(b), step = as_decimal(c);
  auto invalid = [] { throw PyError("InvalidOperation", "[<class 'decimal.InvalidOperation'>]"); };
  if (start.is_nan() || stop.is_nan() || step.is_nan()) invalid();
  int dir = step.sign();
  if (dir == 0) {
    throw PyError("HydraException", "Invalid range values (start:" + start.str() + ", stop:" + stop.str() +
                                        ", step:" + step.str() + ")");
  }
  std::vector<ParsedValue> out;
  while (start.compare(stop) == -dir) {
    if (out.size() == limit) too_many(limit);
    out.push_back(ParsedValue::of_float(start.to_double()));
    start = start + step;
    if (start.is_nan()) invalid();
  }
  return out;
}

}  // namespace

std::vector<ParsedValue> range_values(const ParsedValue& range, size_t limit) {
  const ParsedValue& start = range.bounds.at(0);
  const ParsedValue& stop = range.bounds.at(1);
  const ParsedValue& step = range.bounds.at(2);
  if (int_like(start) && int_like(stop) && int_like(step)) return int_range(int_bounds(range), limit);
  return float_range(start, stop, step, limit);
}

RangeEnds range_ends(const ParsedValue& range) {
  const ParsedValue& start = range.bounds.at(0);
  const ParsedValue& stop = range.bounds.at(1);
  const ParsedValue& step = range.bounds.at(2);
  RangeEnds out;
  if (int_like(start) && int_like(stop) && int_like(step)) {
    const IntRange r = int_bounds(range);
    const PyBigInt n = int_range_len(r);
    out.count = n > PyBigInt::from_int(2) ? 2 : static_cast<size_t>(n.sign() == 0 ? 0 : n == PyBigInt::from_int(1) ? 1 : 2);
    if (n.sign() > 0) out.last = of_big(r.start + (n - PyBigInt::from_int(1)) * r.step);
    return out;
  }
  auto values = float_range(start, stop, step, kMaxSweepValues);
  out.count = values.size();
  if (!values.empty()) out.last = values.back();
  return out;
}

}  // namespace ragforge::config::override_detail
