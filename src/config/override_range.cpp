// RangeSweep.range(): Python's range() when start, stop and step are ints,
// otherwise Hydra's FloatRange, which steps in decimal.Decimal.
#include <cmath>

#include "config/override_internal.h"
#include "config/py_decimal.h"

namespace ragforge::config::override_detail {
namespace {

using Kind = ParsedValue::Kind;
__extension__ typedef __int128 i128;  // exact range arithmetic on int64 bounds

bool int_like(const ParsedValue& v) { return v.kind == Kind::Int || v.kind == Kind::Bool; }
// Range arithmetic is 64-bit; a wider bound is refused rather than wrapped.
int64_t as_int(const ParsedValue& v) {
  if (!v.big_integer.empty())
    throw override_detail::PyError("OverflowError", "int " + v.big_integer + " is too large for a range bound");
  return v.kind == Kind::Bool ? (v.boolean ? 1 : 0) : v.integer;
}

PyDecimal as_decimal(const ParsedValue& v) {
  if (int_like(v)) return PyDecimal::from_int(as_int(v));
  return PyDecimal::from_double(v.floating);
}

[[noreturn]] void too_many(size_t limit) {
  throw PyError("ValueError", "the range has more than " + std::to_string(limit) +
                                  " values; sweeps that large are not supported");
}

// len(range(start, stop, step))
i128 int_range_len(int64_t start, int64_t stop, int64_t step) {
  if (step == 0) throw PyError("ValueError", "range() arg 3 must not be zero");
  i128 span = static_cast<i128>(stop) - start;
  if (step > 0 && span > 0) return (span + step - 1) / step;
  if (step < 0 && span < 0) return (-span + (-static_cast<i128>(step)) - 1) / -static_cast<i128>(step);
  return 0;
}

std::vector<ParsedValue> int_range(int64_t start, int64_t stop, int64_t step, size_t limit) {
  i128 count = int_range_len(start, stop, step);
  if (count > static_cast<i128>(limit)) too_many(limit);
  std::vector<ParsedValue> out;
  out.reserve(static_cast<size_t>(count));
  for (i128 k = 0; k < count; ++k)
    out.push_back(ParsedValue::of_int(static_cast<int64_t>(start + k * step)));
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
  if (int_like(start) && int_like(stop) && int_like(step))
    return int_range(as_int(start), as_int(stop), as_int(step), limit);
  return float_range(start, stop, step, limit);
}

RangeEnds range_ends(const ParsedValue& range) {
  const ParsedValue& start = range.bounds.at(0);
  const ParsedValue& stop = range.bounds.at(1);
  const ParsedValue& step = range.bounds.at(2);
  RangeEnds out;
  if (int_like(start) && int_like(stop) && int_like(step)) {
    i128 n = int_range_len(as_int(start), as_int(stop), as_int(step));
    out.count = n > 2 ? 2 : static_cast<size_t>(n);
    if (n > 0) out.last = ParsedValue::of_int(static_cast<int64_t>(as_int(start) + (n - 1) * as_int(step)));
    return out;
  }
  auto values = float_range(start, stop, step, kMaxSweepValues);
  out.count = values.size();
  if (!values.empty()) out.last = values.back();
  return out;
}

}  // namespace ragforge::config::override_detail
