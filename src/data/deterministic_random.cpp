#include "data/deterministic_random.h"

#include <limits>
#include <numeric>

namespace ragforge::data {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t mix_seed(uint64_t a, uint64_t b) { return splitmix64(splitmix64(a) ^ b); }

uint64_t uniform_index(std::mt19937_64& rng, uint64_t n) {
  // Accept only draws below the largest multiple of n, so every residue is equally likely.
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - (max % n + 1) % n;
  uint64_t x = rng();
  while (x > limit) x = rng();
  return x % n;
}

std::vector<int64_t> permutation(int64_t n, std::mt19937_64& rng) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  fisher_yates(p, rng);
  return p;
}

}  // namespace ragforge::data
