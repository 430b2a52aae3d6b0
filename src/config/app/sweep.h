// Hydra's BasicSweeper job list (hydra/_internal/core_plugins/basic_sweeper.py)
// without materialising it: `hydra.sweeper.params` entries first, then the
// command-line task overrides, one list of "key=value" strings per override
// key (a later override of the same key replaces the earlier list in its
// place), and the jobs are the cartesian product with the first key varying
// slowest. Job k is decoded from k in mixed radix, so a 10,000-job sweep
// costs the sum of its lists, not their product, and starts at once.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ragforge::config::app {

// The options of a config group, for `glob(...)` sweeps.
using GroupOptionsFn = std::function<std::vector<std::string>(const std::string& group)>;

class SweepPlan {
 public:
  // `arguments`: "key=value" override strings in sweeper order. Throws
  // OverrideParseError for a bad override and HydraError("HydraException")
  // for a sweep kind BasicSweeper does not support (interval).
  static SweepPlan create(const std::vector<std::string>& arguments, const GroupOptionsFn& group_options);

  uint64_t size() const { return size_; }
  // The overrides of job `index` (0-based, launch order).
  std::vector<std::string> job(uint64_t index) const;
  // One list per override key, in sweeper order.
  const std::vector<std::vector<std::string>>& dimensions() const { return dims_; }

 private:
  std::vector<std::vector<std::string>> dims_;
  uint64_t size_ = 0;
};

}  // namespace ragforge::config::app
