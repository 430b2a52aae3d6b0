// The random draws of the sampling steps (Sampler, FewShot, RAFTStep,
// ShuffleSelect, MergeDatasets). RAG-FiT draws from Python's global
// `random` (unseeded) and HF's Dataset.shuffle(seed) (numpy's PCG64);
// ragforge draws from std::mt19937_64 (data/deterministic_random.h), so a
// seed gives the same result on every machine and run, though not
// RAG-FiT's rows. Per-example draws are seeded by (seed, dataset, example
// index), so an example's draw does not depend on the others.
#pragma once
#include <cstdint>
#include <random>
#include <string>

namespace ragforge::processing {

// The generator for example `index` of `dataset`.
std::mt19937_64 example_rng(int64_t seed, const std::string& dataset, size_t index);
// The generator for a whole-dataset draw (a shuffle).
std::mt19937_64 dataset_rng(int64_t seed);
// Uniform in [0, 1), 53 random bits (Python's random.random() has the same resolution).
double uniform01(std::mt19937_64& rng);

}  // namespace ragforge::processing
