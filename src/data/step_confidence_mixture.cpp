#include "data/step_confidence_mixture.h"

#include <cmath>

#include "core/error.h"
#include "data/deterministic_random.h"

namespace ragforge::data {

MixtureSampler::MixtureSampler(std::vector<std::string> names, std::vector<double> weights, std::vector<int64_t> sizes,
                               uint64_t seed)
    : sizes_(std::move(sizes)), seed_(seed) {
  if (weights.size() != sizes_.size() || names.size() != sizes_.size())
    throw Error("MixtureSampler: names, weights and sizes differ in length");
  double total = 0;
  for (size_t d = 0; d < weights.size(); ++d) {
    if (!(weights[d] >= 0) || !std::isfinite(weights[d]))
      throw Error("data." + names[d] + "_weight: must be a finite number >= 0, got " + std::to_string(weights[d]));
    if (weights[d] > 0 && sizes_[d] <= 0)
      throw Error("data: " + names[d] + " has weight " + std::to_string(weights[d]) +
                  " but no training examples; check its path and split, or set data." + names[d] + "_weight=0");
    total += weights[d];
  }
  if (!(total > 0)) throw Error("data: every dataset weight is 0; enable a dataset with a positive *_weight");
  double run = 0;
  for (double w : weights) cumulative_.push_back((run += w) / total);
  // From the last positive weight on, exactly 1: rounding can never reach a
  // trailing zero-weight dataset.
  size_t last = weights.size() - 1;
  while (weights[last] == 0) --last;
  for (size_t d = last; d < cumulative_.size(); ++d) cumulative_[d] = 1.0;
}

double MixtureSampler::probability(size_t d) const { return cumulative_[d] - (d == 0 ? 0.0 : cumulative_[d - 1]); }

MixtureDraw MixtureSampler::draw(uint64_t k) const {
  std::mt19937_64 rng(mix_seed(seed_, k));
  // 53 random bits as a uniform in [0, 1).
  const double u = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
  MixtureDraw out;
  while (out.dataset + 1 < cumulative_.size() && (u >= cumulative_[out.dataset] || probability(out.dataset) == 0))
    ++out.dataset;
  out.example = static_cast<int64_t>(uniform_index(rng, static_cast<uint64_t>(sizes_[out.dataset])));
  return out;
}

}  // namespace ragforge::data
