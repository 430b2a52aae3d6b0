// Which documents a BlockRank prompt shows, and in what order (recipes.md §3.1).
//
// Training, seeded by dataset_seed + row:
//   1. positives = answer_ids[:num_documents];
//   2. negatives drawn without replacement from the other documents;
//   3. padding with kDummyDocument ("dummy_<i>" ids) up to num_documents;
//   4. shuffle;  5. renumber 0..N-1.
// As in the original, answer ids beyond the first num_documents are not
// positives and may be drawn as negatives.
//
// Evaluation keeps the documents in file order (the first num_documents, or
// all for -1), with no padding; `shuffle` (data.eval_shuffle) shuffles them
// as the original always did.
//
// Draws come from data/deterministic_random.h (the same on every platform,
// not Python's `random`).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/ranking_rows.h"

namespace ragforge::data {

inline constexpr const char* kDummyDocument = "This is a dummy document.";

struct SampledRanking {
  int64_t row = 0;
  std::string query_id, query;
  std::vector<std::string> doc_ids;    // original ids in prompt order; "dummy_<i>" for padding
  std::vector<std::string> documents;  // texts in prompt order
  std::vector<int64_t> answers;        // prompt positions of the positives, ascending
};

// num_documents: -1 (or 0) keeps every document (shuffled, no padding).
SampledRanking sample_for_training(const RankingRow& row, int64_t num_documents, int64_t dataset_seed);

SampledRanking select_for_evaluation(const RankingRow& row, int64_t num_documents, bool shuffle,
                                     int64_t dataset_seed);

}  // namespace ragforge::data
