// One BlockRank training or evaluation example after tokenizing (recipes.md
// §3.2): the prompt's M = N+2 blocks, before truncation and padding, which
// collate_ranking (data/ranking_collate.h) does per batch.
//
//   blocks[0]      template prefix, instruction and query
//   blocks[1..N]   "\nID: i | CONTENT: ... | END ID: i", one per document
//   blocks[M-1]    "\n" + final section + "Final Answer: " + completion
//
// The completion ("[1, 3]" + eos in training, "[" in evaluation) is the last
// `completion_tokens` tokens of blocks[M-1].
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ragforge::data {

struct RankingExample {
  std::string query_id;
  std::vector<std::string> doc_ids;          // original ids in prompt order; "dummy_<i>" for padding
  std::vector<std::vector<int32_t>> blocks;  // M = N+2 token blocks (untruncated)
  std::vector<int64_t> answers;              // prompt positions (0..N-1) of the relevant documents, ascending
  int64_t completion_tokens = 0;             // trailing tokens of blocks.back() that are the completion
  int64_t row = 0;                           // 0-based row of the data file it came from
  std::vector<int64_t> segment_lengths;      // the N+3 segment lengths before the merge (for checks)
};

}  // namespace ragforge::data
