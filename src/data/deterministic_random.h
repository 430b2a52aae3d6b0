// Random choices that give the same result with every C++ standard library:
// std::shuffle and std::uniform_int_distribution are implementation-defined,
// so data order would differ between libstdc++ and libc++. Everything here
// draws from std::mt19937_64, whose output the standard fixes.
#pragma once
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace ragforge::data {

// One well-mixed 64-bit seed from several values (splitmix64 finalizer over
// each), so (seed, epoch) pairs give unrelated streams.
uint64_t mix_seed(uint64_t a, uint64_t b = 0);

// Uniform in [0, n) by rejection (no modulo bias); n must be > 0.
uint64_t uniform_index(std::mt19937_64& rng, uint64_t n);

// Fisher–Yates from the back: i = n-1..1 swaps with uniform_index(rng, i+1).
template <typename T>
void fisher_yates(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_index(rng, i)]);
}

// 0..n-1 shuffled by fisher_yates.
std::vector<int64_t> permutation(int64_t n, std::mt19937_64& rng);

}  // namespace ragforge::data
