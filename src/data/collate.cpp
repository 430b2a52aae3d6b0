#include "data/collate.h"

#include <algorithm>

namespace ragforge::data {

PaddedBatch collate(const std::vector<const SftExample*>& examples, int64_t pad_id, bool pad_left) {
  PaddedBatch b;
  b.rows = static_cast<int64_t>(examples.size());
  for (const SftExample* e : examples)
    b.cols = std::max<int64_t>(b.cols, static_cast<int64_t>(e->input_ids.size()));
  const auto cells = static_cast<size_t>(b.rows * b.cols);
  b.input_ids.assign(cells, pad_id);
  b.labels.assign(cells, kIgnoreIndex);
  b.attention_mask.assign(cells, 0);
  for (int64_t r = 0; r < b.rows; ++r) {
    const SftExample& e = *examples[static_cast<size_t>(r)];
    const auto len = static_cast<int64_t>(e.input_ids.size());
    const int64_t offset = r * b.cols + (pad_left ? b.cols - len : 0);
    for (int64_t t = 0; t < len; ++t) {
      const auto at = static_cast<size_t>(offset + t);
      b.input_ids[at] = e.input_ids[static_cast<size_t>(t)];
      b.labels[at] = e.labels[static_cast<size_t>(t)];
      b.attention_mask[at] = 1;
    }
    b.tokens += len;
    b.sample_ids.push_back(e.row);
  }
  return b;
}

}  // namespace ragforge::data
