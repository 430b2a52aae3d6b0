// Python's ints are unbounded: an int beyond 64 bits (2**70 in a YAML file
// or an override) is kept exactly, as its canonical decimal text ("-123",
// no leading zeros), which is also how Python prints it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ragforge::config {

// Python 3.11's default sys.get_int_max_str_digits(): int(s) of a longer
// decimal string raises ValueError.
constexpr size_t kPythonIntMaxStrDigits = 4300;

// Digits in `base` (2..16, no sign, prefix or underscores; every digit
// valid) as signed canonical decimal text. "-0" comes out as "0".
std::string decimal_from_digits(std::string_view digits, int base, bool negative);

// dec * mul + add, for non-negative canonical decimal text.
std::string decimal_mul_add(const std::string& dec, unsigned mul, unsigned add);

// The value when canonical decimal text fits in int64_t.
std::optional<int64_t> int64_from_decimal(std::string_view dec);

// Whether `s` is canonical decimal text: -?(0|[1-9][0-9]*), not "-0".
bool is_canonical_decimal(std::string_view s);

}  // namespace ragforge::config
