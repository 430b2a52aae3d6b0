// Examples to one padded micro-batch (dynamic padding to the longest row; no
// packing). Shapes: B rows × T cols, row-major. Pads get input id pad_id,
// label -100 and attention 0; the recipe turns the vectors into tensors.
#pragma once
#include <cstdint>
#include <vector>

#include "data/sft_data.h"

namespace ragforge::data {

struct PaddedBatch {
  int64_t rows = 0, cols = 0;           // B, T
  std::vector<int64_t> input_ids;       // B*T
  std::vector<int64_t> labels;          // B*T, kIgnoreIndex on pads and masked prompt tokens
  std::vector<int64_t> attention_mask;  // B*T, 1 real / 0 pad
  int64_t tokens = 0;                   // real (non-pad) tokens
  std::vector<int64_t> sample_ids;      // each example's row
};

// pad_left puts the padding first (generation); training pads on the right.
PaddedBatch collate(const std::vector<const SftExample*>& examples, int64_t pad_id,
                    bool pad_left = false);

}  // namespace ragforge::data
