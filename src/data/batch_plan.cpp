#include "data/batch_plan.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <string>

#include "core/error.h"
#include "data/deterministic_random.h"

namespace ragforge::data {
namespace {

// HF get_length_grouped_indices on a given order (see the header).
void group_by_length(std::vector<int64_t>& order, const std::vector<int64_t>& lengths,
                     int64_t batch_size) {
  const auto n = static_cast<int64_t>(order.size());
  const int64_t mult = std::max<int64_t>(1, std::min<int64_t>(n / (batch_size * 4), 50));
  const int64_t mega = mult * batch_size;
  auto longer = [&](int64_t a, int64_t b) {
    return lengths[static_cast<size_t>(a)] > lengths[static_cast<size_t>(b)];
  };
  int64_t best_start = 0;
  for (int64_t start = 0; start < n; start += mega) {
    auto first = order.begin() + start, last = order.begin() + std::min(n, start + mega);
    std::stable_sort(first, last, longer);
    // The first maximum wins, as torch.argmax.
    if (longer(*first, order[static_cast<size_t>(best_start)])) best_start = start;
  }
  std::swap(order[0], order[static_cast<size_t>(best_start)]);
}

}  // namespace

BatchPlan::BatchPlan(std::vector<int64_t> lengths, int64_t batch_size, uint64_t seed, bool shuffle,
                     bool group_by_length)
    : lengths_(std::move(lengths)),
      batch_size_(batch_size),
      seed_(seed),
      shuffle_(shuffle),
      group_by_length_(group_by_length) {
  if (batch_size_ < 1) throw Error("batch size must be >= 1, got " + std::to_string(batch_size_));
}

int64_t BatchPlan::batches_per_epoch() const { return (size() + batch_size_ - 1) / batch_size_; }

std::vector<int64_t> BatchPlan::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(lengths_.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  if (shuffle_) {
    std::mt19937_64 rng(mix_seed(seed_, static_cast<uint64_t>(epoch)));
    fisher_yates(order, rng);
  }
  if (group_by_length_ && !order.empty()) group_by_length(order, lengths_, batch_size_);
  return order;
}

std::vector<int64_t> BatchPlan::batch(int64_t epoch, int64_t index) const {
  if (epoch < 0 || index < 0 || index >= batches_per_epoch())
    throw Error("batch (epoch " + std::to_string(epoch) + ", index " + std::to_string(index) +
                ") is out of range: " + std::to_string(batches_per_epoch()) + " batches per epoch");
  std::shared_ptr<const std::vector<int64_t>> order;
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cached_epoch_ != epoch || !cached_order_) {
      cached_order_ = std::make_shared<const std::vector<int64_t>>(epoch_order(epoch));
      cached_epoch_ = epoch;
    }
    order = cached_order_;
  }
  const auto first = order->begin() + index * batch_size_;
  const auto last = order->begin() + std::min(size(), (index + 1) * batch_size_);
  return std::vector<int64_t>(first, last);
}

}  // namespace ragforge::data
