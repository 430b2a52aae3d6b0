// The order in which a training run visits its examples. batch(epoch, i)
// depends only on (seed, epoch, i), so resuming at (epoch, i) replays the same
// data as the uninterrupted run.
//
// shuffle: each epoch is a Fisher–Yates permutation of 0..n-1 drawn from
// mt19937_64(mix_seed(seed, epoch)); otherwise file order.
// group_by_length (HF LengthGroupedSampler, trainer_pt_utils.py): the epoch's
// order is cut into megabatches of m × batch_size examples, m = min(n /
// (4 × batch_size), 50) and at least 1; each megabatch is sorted by length,
// longest first (stable); then the first element of the megabatch holding the
// longest example swaps with the first element overall, so the first batch
// holds the longest example (an out-of-memory shows at step 1). Batches are
// consecutive slices of that order, so each holds examples of similar length.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace ragforge::data {

class BatchPlan {
 public:
  // lengths: tokens per example (used by group_by_length). batch_size >= 1.
  BatchPlan(std::vector<int64_t> lengths, int64_t batch_size, uint64_t seed, bool shuffle = true,
            bool group_by_length = false);

  int64_t size() const { return static_cast<int64_t>(lengths_.size()); }
  int64_t batch_size() const { return batch_size_; }
  int64_t batches_per_epoch() const;  // ceil(n / batch_size); the last batch may be short
  // Example indices of batch `index` (0 <= index < batches_per_epoch()) of `epoch`.
  std::vector<int64_t> batch(int64_t epoch, int64_t index) const;
  // The whole order of an epoch (all batches concatenated).
  std::vector<int64_t> epoch_order(int64_t epoch) const;

 private:
  std::vector<int64_t> lengths_;
  int64_t batch_size_;
  uint64_t seed_;
  bool shuffle_, group_by_length_;
  // The last epoch's order: batch() is called once per micro-batch.
  mutable std::mutex cache_mutex_;
  mutable int64_t cached_epoch_ = -1;
  mutable std::shared_ptr<const std::vector<int64_t>> cached_order_;
};

}  // namespace ragforge::data
