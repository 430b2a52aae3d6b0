// The step-confidence mixture sampler (recipes.md §4.1, Decision 1): each
// draw picks dataset d with probability w_d / Σw, then one of its examples
// uniformly, with replacement. A dataset with weight 0 is never drawn.
//
// Draw k depends only on (seed, k): the sampler's whole state is the draw
// counter, which the training loop's data position already is, so a resume
// continues the exact sequence (the checkpoint's trainer_state holds it).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ragforge::data {

struct MixtureDraw {
  size_t dataset = 0;
  int64_t example = 0;  // index within the dataset
};

class MixtureSampler {
 public:
  // weights[d] >= 0 and finite; sizes[d] examples. Throws ragforge::Error
  // naming the dataset when a positive weight has no examples, or when no
  // weight is positive.
  MixtureSampler(std::vector<std::string> names, std::vector<double> weights, std::vector<int64_t> sizes,
                 uint64_t seed);

  MixtureDraw draw(uint64_t k) const;
  // The probability of dataset d per draw.
  double probability(size_t d) const;

 private:
  std::vector<double> cumulative_;  // normalised, last = 1
  std::vector<int64_t> sizes_;
  uint64_t seed_;
};

}  // namespace ragforge::data
