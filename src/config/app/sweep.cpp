#include "config/app/sweep.h"

#include <limits>

#include "config/hydra_errors.h"
#include "config/override.h"

namespace ragforge::config::app {

SweepPlan SweepPlan::create(const std::vector<std::string>& arguments, const GroupOptionsFn& group_options) {
  std::vector<Override> overrides;
  overrides.reserve(arguments.size());
  for (const auto& a : arguments) overrides.push_back(parse_override(a));

  SweepPlan plan;
  std::vector<std::string> keys;  // an OrderedDict keyed by key_element
  for (const Override& o : overrides) {
    std::string key = o.key_element();
    std::vector<std::string> values;
    if (o.is_sweep()) {
      if (o.value_type == OverrideValueType::IntervalSweep)
        throw HydraError("HydraException", "BasicSweeper does not support sweep type : INTERVAL_SWEEP");
      std::vector<std::string> options;
      if (o.value_type == OverrideValueType::GlobChoiceSweep && group_options) options = group_options(o.key_or_group);
      for (const auto& s : o.sweep_strings(options)) values.push_back(key + "=" + s);
    } else {
      values.push_back(key + "=" + o.value_as_str());
    }
    size_t i = 0;
    while (i < keys.size() && keys[i] != key) ++i;
    if (i == keys.size()) {
      keys.push_back(key);
      plan.dims_.push_back(std::move(values));
    } else {
      plan.dims_[i] = std::move(values);
    }
  }
  uint64_t size = 1;
  for (const auto& d : plan.dims_) {
    if (d.empty()) {
      size = 0;
      break;
    }
    if (size > std::numeric_limits<uint64_t>::max() / d.size())
      throw HydraError("HydraException", "The sweep has more jobs than can be counted (over 2^64)");
    size *= d.size();
  }
  plan.size_ = size;
  return plan;
}

std::vector<std::string> SweepPlan::job(uint64_t index) const {
  std::vector<std::string> out(dims_.size());
  for (size_t i = dims_.size(); i-- > 0;) {
    uint64_t n = dims_[i].size();
    out[i] = dims_[i][index % n];
    index /= n;
  }
  return out;
}

}  // namespace ragforge::config::app
