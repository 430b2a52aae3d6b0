#include "processing/seeded_random.h"

#include "data/deterministic_random.h"

namespace ragforge::processing {
namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

std::mt19937_64 example_rng(int64_t seed, const std::string& dataset, size_t index) {
  return std::mt19937_64(data::mix_seed(data::mix_seed(static_cast<uint64_t>(seed), fnv1a(dataset)), index));
}

std::mt19937_64 dataset_rng(int64_t seed) { return std::mt19937_64(data::mix_seed(static_cast<uint64_t>(seed))); }

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); }

}  // namespace ragforge::processing
