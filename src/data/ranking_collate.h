// A batch of BlockRank examples as flat row-major arrays (recipes.md §3.3),
// torch-free; the recipe wraps them in tensors.
//
// Shape legend: B rows, M = N+2 blocks per row, H tokens per block, P answers.
//   H = the longest block of the batch, capped at max_block_length, rounded up
//       to pad_to_multiple_of (so H may exceed the cap by < 16, as in the
//       original). Each block keeps its FIRST H tokens and is left-padded.
//
//   input_ids        (B, M·H)   pad_id in padding
//   attention_mask   (B, M, H)  1 on real tokens (from the padding, not the pad id)
//   position_ids     (B, M·H)   block 0: 0..L0-1; each document: L0..L0+Li-1;
//                               last block: query_block_offset + 0, 1, ...; pads 0.
//                               Cumulative mode: real tokens 0, 1, ... along the row.
//   labels           (B, M·H)   -100 except the last block's kept completion tokens
//   answer_ids       (B, P)     prompt positions of the positives, -1 padded
//   completion_start (B)        flat index of the completion's first token ("["),
//                               -1 when truncation cut the whole completion
//   sample_ids       (B)        RankingExample::row of each row
//
// Every row of a batch needs the same M: training rows all have N =
// num_documents; evaluation with num_documents -1 keeps each row's own N, so
// rows with different N cannot share a batch (the original asserts the same;
// its released eval batch size is 1). collate_ranking throws an Error saying so.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/ranking_example.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::data {

enum class PositionMode { PermutationInvariant, Cumulative };

// "permutation_invariant" | "cumulative" (data.position_mode).
PositionMode parse_position_mode(const std::string& name);

struct RankingCollateOptions {
  int32_t pad_id = 0;
  int64_t max_block_length = 0;  // 0: no cap
  int64_t pad_to_multiple_of = 16;
  int64_t query_block_offset = 16384;
  PositionMode position_mode = PositionMode::PermutationInvariant;
};

struct RankingBatch {
  int64_t B = 0, M = 0, H = 0, P = 0;
  std::vector<int64_t> input_ids, position_ids, labels, answer_ids, completion_start;
  std::vector<uint8_t> attention_mask;
  std::vector<int64_t> sample_ids;
};

RankingBatch collate_ranking(const std::vector<const RankingExample*>& rows, const RankingCollateOptions& options);

// The pad id for blocks: the unk token's id, else eos's (recipes.md §3.3).
// Throws an Error when the tokenizer has neither.
int32_t ranking_pad_id(const tokenizer::Tokenizer& tok);

}  // namespace ragforge::data
