#include "data/ranking_collate.h"

#include <algorithm>

#include "core/error.h"

namespace ragforge::data {
namespace {

constexpr int64_t kIgnore = -100;

int64_t round_up(int64_t n, int64_t multiple) { return (n + multiple - 1) / multiple * multiple; }

int64_t block_height(const std::vector<const RankingExample*>& rows, const RankingCollateOptions& o) {
  int64_t longest = 0;
  for (const RankingExample* e : rows)
    for (const auto& b : e->blocks) longest = std::max<int64_t>(longest, static_cast<int64_t>(b.size()));
  if (o.max_block_length > 0) longest = std::min(longest, o.max_block_length);
  return round_up(std::max<int64_t>(longest, 1), std::max<int64_t>(o.pad_to_multiple_of, 1));
}

void check_rows(const std::vector<const RankingExample*>& rows) {
  if (rows.empty()) throw Error("collate_ranking: an empty batch");
  const size_t m = rows[0]->blocks.size();
  for (size_t b = 0; b < rows.size(); ++b) {
    const RankingExample& e = *rows[b];
    if (e.blocks.size() < 3)
      throw Error("collate_ranking: row " + std::to_string(e.row) + " has " + std::to_string(e.blocks.size()) +
                  " blocks; a ranking prompt has at least 3 (query, one document, final section)");
    if (e.blocks.size() != m)
      throw Error("collate_ranking: rows in one batch need the same number of documents, but row " +
                  std::to_string(rows[0]->row) + " has " + std::to_string(m - 2) + " and row " +
                  std::to_string(e.row) + " has " + std::to_string(e.blocks.size() - 2) +
                  "; evaluation with num_documents -1 keeps every document of a row, so set "
                  "per_device_eval_batch_size: 1 (the released setting) or a fixed num_documents");
    if (e.completion_tokens < 0 || e.completion_tokens > static_cast<int64_t>(e.blocks.back().size()))
      throw Error("collate_ranking: row " + std::to_string(e.row) + " has completion_tokens " +
                  std::to_string(e.completion_tokens) + " outside its last block");
  }
}

}  // namespace

PositionMode parse_position_mode(const std::string& name) {
  if (name == "permutation_invariant") return PositionMode::PermutationInvariant;
  if (name == "cumulative") return PositionMode::Cumulative;
  throw Error("position_mode: '" + name + "' is not one of permutation_invariant, cumulative");
}

RankingBatch collate_ranking(const std::vector<const RankingExample*>& rows, const RankingCollateOptions& o) {
  check_rows(rows);
  RankingBatch out;
  out.B = static_cast<int64_t>(rows.size());
  out.M = static_cast<int64_t>(rows[0]->blocks.size());
  out.H = block_height(rows, o);
  for (const RankingExample* e : rows) out.P = std::max<int64_t>(out.P, static_cast<int64_t>(e->answers.size()));
  const int64_t B = out.B, M = out.M, H = out.H, row_len = M * H;

  out.input_ids.assign(static_cast<size_t>(B * row_len), o.pad_id);
  out.attention_mask.assign(static_cast<size_t>(B * row_len), 0);
  out.position_ids.assign(static_cast<size_t>(B * row_len), 0);
  out.labels.assign(static_cast<size_t>(B * row_len), kIgnore);
  out.answer_ids.assign(static_cast<size_t>(B * out.P), -1);
  out.completion_start.assign(static_cast<size_t>(B), -1);

  for (int64_t b = 0; b < B; ++b) {
    const RankingExample& e = *rows[static_cast<size_t>(b)];
    out.sample_ids.push_back(e.row);
    for (size_t p = 0; p < e.answers.size(); ++p) out.answer_ids[static_cast<size_t>(b * out.P) + p] = e.answers[p];

    int64_t first_block_len = 0, cumulative = 0;
    for (int64_t j = 0; j < M; ++j) {
      const std::vector<int32_t>& block = e.blocks[static_cast<size_t>(j)];
      const int64_t kept = std::min<int64_t>(static_cast<int64_t>(block.size()), H);  // the first H tokens
      const int64_t pad = H - kept;                                                  // left padding
      if (j == 0) first_block_len = kept;
      const bool last = j == M - 1;
      const int64_t base = o.position_mode == PositionMode::Cumulative ? cumulative
                           : j == 0                                      ? 0
                           : last                                        ? o.query_block_offset
                                                                         : first_block_len;
      // The completion is the tail of the last block; what survives the cut is supervised.
      const int64_t prompt_len = last ? static_cast<int64_t>(block.size()) - e.completion_tokens : kept;
      for (int64_t t = 0; t < kept; ++t) {
        const size_t at = static_cast<size_t>(b * row_len + j * H + pad + t);
        out.input_ids[at] = block[static_cast<size_t>(t)];
        out.attention_mask[at] = 1;
        out.position_ids[at] = base + t;
        if (last && t >= prompt_len) out.labels[at] = block[static_cast<size_t>(t)];
      }
      cumulative += kept;
      if (last && prompt_len < kept) out.completion_start[static_cast<size_t>(b)] = j * H + pad + prompt_len;
    }
  }
  return out;
}

int32_t ranking_pad_id(const tokenizer::Tokenizer& tok) {
  for (const auto& name : {tok.unk_token(), tok.eos_token()})
    if (name)
      if (auto id = tok.token_to_id(*name)) return *id;
  throw Error("the tokenizer has neither an unk nor an eos token (tokenizer_config.json), so BlockRank blocks have "
              "no pad id; add unk_token or eos_token to tokenizer_config.json");
}

}  // namespace ragforge::data
