#include "data/dataset_blend.h"

#include <random>

#include "core/error.h"
#include "data/deterministic_random.h"

namespace ragforge::data {

std::vector<BlendPick> blend_order(const std::vector<size_t>& sizes, const std::vector<double>& probs, uint64_t seed,
                                   const std::string& key) {
  if (probs.size() != sizes.size())
    throw Error(key + ": " + std::to_string(probs.size()) + " probabilities for " + std::to_string(sizes.size()) +
                " datasets; give one per dataset, in the same order");
  double total = 0;
  for (double p : probs) {
    if (!(p >= 0)) throw Error(key + ": probability " + std::to_string(p) + " is negative; use values >= 0");
    total += p;
  }
  if (!(total > 0)) throw Error(key + ": the probabilities sum to 0; at least one must be positive");
  std::vector<double> cumulative;
  double run = 0;
  for (double p : probs) cumulative.push_back(run += p / total);
  for (size_t i = probs.size(); i-- > 0;)  // no rounding gap above the last positive source
    if (probs[i] > 0) {
      for (size_t j = i; j < probs.size(); ++j) cumulative[j] = 1.0;
      break;
    }

  std::mt19937_64 rng(mix_seed(seed, 0xB1E4D));
  std::vector<size_t> next(sizes.size(), 0);
  std::vector<BlendPick> out;
  for (;;) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
    size_t s = 0;
    while (u >= cumulative[s] || probs[s] == 0) ++s;
    if (next[s] >= sizes[s]) return out;  // first_exhausted
    out.push_back({s, next[s]++});
  }
}

}  // namespace ragforge::data
