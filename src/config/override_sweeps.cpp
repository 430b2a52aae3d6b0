// Sweep expansion: Override.sweep_iterator() / sweep_string_iterator().
#include <algorithm>

#include "config/override.h"
#include "config/override_internal.h"

namespace ragforge::config {
namespace {

using Kind = ParsedValue::Kind;

// fnmatch.fnmatchcase: '*', '?', '[seq]', '[!seq]'; case-sensitive as on POSIX.
bool fnmatch(std::string_view name, std::string_view pat) {
  size_t n = 0, p = 0;
  size_t star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pat.size()) {
      char c = pat[p];
      if (c == '*') {
        star_p = p++;
        star_n = n;
        continue;
      }
      if (c == '?') {
        ++p;
        ++n;
        continue;
      }
      if (c == '[') {
        // A class; an unterminated '[' is a literal, as in fnmatch.translate.
        size_t q = p + 1;
        if (q < pat.size() && pat[q] == '!') ++q;
        if (q < pat.size() && pat[q] == ']') ++q;
        while (q < pat.size() && pat[q] != ']') ++q;
        if (q < pat.size()) {
          size_t i = p + 1;
          bool negate = i < q && pat[i] == '!';
          if (negate) ++i;
          bool hit = false;
          for (size_t k = i; k < q; ++k) {
            if (k + 2 < q && pat[k + 1] == '-') {
              hit |= pat[k] <= name[n] && name[n] <= pat[k + 2];
              k += 2;
            } else {
              hit |= pat[k] == name[n];
            }
          }
          if (hit != negate) {
            p = q + 1;
            ++n;
            continue;
          }
        } else if (name[n] == '[') {
          ++p;
          ++n;
          continue;
        }
      } else if (c == name[n]) {
        ++p;
        ++n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool matches_any(const std::string& name, const std::vector<std::string>& globs) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return fnmatch(name, g); });
}

}  // namespace

std::vector<ParsedValue> Override::sweep_values(const std::vector<std::string>& glob_options) const {
  if (!is_sweep() || *value_type == OverrideValueType::IntervalSweep) {
    throw Error("override '" + input + "': can only enumerate choice, glob and range sweeps, not " +
                (value_type == OverrideValueType::IntervalSweep ? "interval()" : "a single value"));
  }
  std::vector<ParsedValue> out;
  if (value.kind == Kind::ChoiceSweep) {
    out = value.items;
  } else if (value.kind == Kind::RangeSweep && !value.sorted_values.empty()) {
    out = value.sorted_values;
  } else if (value.kind == Kind::RangeSweep) {
    try {
      out = override_detail::range_values(value, override_detail::kMaxSweepValues);
    } catch (const override_detail::PyError& e) {
      throw Error("override '" + input + "': " + e.type() + ": " + e.what());
    }
  } else {
    std::vector<std::string> names = glob_options;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const auto& name : names)
      if (matches_any(name, value.include) && !matches_any(name, value.exclude))
        out.push_back(ParsedValue::of_str(name));
    return out;
  }
  if (value.shuffle) override_detail::py_shuffle(out);
  return out;
}

std::vector<std::string> Override::sweep_strings(const std::vector<std::string>& glob_options) const {
  std::vector<ParsedValue> values = sweep_values(glob_options);
  std::vector<std::string> out;
  out.reserve(values.size());
  // Glob results are option names, used as they are.
  bool glob = value.kind == Kind::Glob;
  try {
    for (const auto& v : values) out.push_back(glob ? v.text : render_element(v));
  } catch (const Error& e) {
    throw Error("override '" + input + "': " + e.what());
  }
  return out;
}

}  // namespace ragforge::config
