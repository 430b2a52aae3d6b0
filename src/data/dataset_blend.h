// Several training files blended by probability, as the original's
// `--dataset a,b --dataset_probs 0.7,0.3` (OpenRLHF's blending_datasets, i.e.
// HF datasets' interleave_datasets with the default "first_exhausted"):
// each draw picks a source with probability p_i / Σp, takes that source's
// next row in file order, and the blend ends at the first draw that finds
// its source used up. The draws are a pure function of the seed
// (data/deterministic_random.h), so every run and resume sees the same order.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ragforge::data {

struct BlendPick {
  size_t source;  // index into the sources
  size_t row;     // row of that source, in order
};

// `sizes[i]` rows in source i. An Error (naming `key`) for a probability
// count other than the source count, a negative probability or a zero sum.
std::vector<BlendPick> blend_order(const std::vector<size_t>& sizes, const std::vector<double>& probs, uint64_t seed,
                                   const std::string& key = "dataset_probs");

}  // namespace ragforge::data
