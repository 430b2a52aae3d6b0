// Pieces shared by the override parser, the grammar functions and sweep
// expansion. Not part of the public API.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/override.h"

namespace ragforge::config::override_detail {

// A Python exception as Hydra's grammar functions would raise it; the parser
// reports it as "<type> while evaluating '<call>': <message>".
class PyError : public std::runtime_error {
 public:
  PyError(std::string type, const std::string& message)
      : std::runtime_error(message), type_(std::move(type)) {}
  const std::string& type() const { return type_; }

 private:
  std::string type_;
};

// Sweeps larger than this are refused instead of exhausting memory or time.
constexpr size_t kMaxSweepValues = 100000;

// ---- Python semantics (override_pyops.cpp)
std::string py_repr(const ParsedValue& v);
std::string py_str_repr(std::string_view s);
bool py_eq(const ParsedValue& a, const ParsedValue& b);
// a < b; throws PyError(TypeError) for types Python cannot order.
bool py_lt(const ParsedValue& a, const ParsedValue& b);
// sorted(items, reverse=...) with CPython's comparison sequence for short
// lists, so a TypeError names the same pair of types.
std::vector<ParsedValue> py_sorted(std::vector<ParsedValue> items, bool reverse);
void py_shuffle(std::vector<ParsedValue>& items);
// Python's int(str) / float(str); throw PyError(ValueError) like Python.
int64_t py_int_from_str(const std::string& s);
double py_float_from_str(const std::string& s);
// strtod in the "C" locale: correctly rounded, overflow to inf.
double parse_c_double(const std::string& s);

// ---- grammar functions (override_functions.cpp)
using Kwargs = std::vector<std::pair<std::string, ParsedValue>>;
ParsedValue call_function(const std::string& name, std::vector<ParsedValue> args, Kwargs kwargs);

// ---- ranges (override_range.cpp)
// The values RangeSweep.range() yields: Python's range() for ints, Hydra's
// Decimal-stepped FloatRange otherwise. Throws PyError for a zero step or
// NaN, and for more than `limit` values.
std::vector<ParsedValue> range_values(const ParsedValue& range, size_t limit);
// How many values a range has (counted up to 2 for int ranges) and its last one.
struct RangeEnds {
  size_t count = 0;
  ParsedValue last;
};
RangeEnds range_ends(const ParsedValue& range);

// ---- rendering (override_render.cpp)
// Hydra's QuotedString.with_quotes().
std::string with_quotes(const std::string& text, char quote);

}  // namespace ragforge::config::override_detail
