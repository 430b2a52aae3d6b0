// blockrank's data (recipes.md §3.1–3.2): JSONL rows → seeded train/val split
// (or a separate val_data_path) → document sampling → prompt blocks. Both
// training and validation use training sampling, as the original's train.py
// does; evaluation (blockrank-eval) keeps every document. Torch-free; batches
// come from collate_ranking (data/ranking_collate.h).
//
//   auto data = data::load_ranking_training_data(cfg.data, tok);
//   // data.report.dropped_answer_ids: answer ids naming no document (logged)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/ranking_example.h"
#include "data/ranking_rows.h"
#include "settings/blockrank_settings.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::data {

struct RankingDataReport {
  RankingRowsReport rows;            // of data_path (plus val_data_path when given)
  int64_t train_examples = 0, val_examples = 0;
  int64_t rows_without_answers = 0;  // training rows with no positive left (completion "[]")
  std::string example0_text;         // the rendered text of the first example, for the startup print
  std::vector<std::string> warnings; // once-per-run lines for the recipe to print
};

struct RankingData {
  std::vector<RankingExample> train, val;
  RankingDataReport report;
};

// Throws ragforge::Error naming the file and line for bad rows.
RankingData load_ranking_training_data(const settings::BlockRankDataSettings& s, const tokenizer::Tokenizer& tok);

struct RankingEvalData {
  std::vector<RankingExample> examples;  // in file order (of the held-out share when train_test_split < 1)
  RankingDataReport report;
};

RankingEvalData load_ranking_eval_data(const settings::BlockRankEvalSettings& s, const tokenizer::Tokenizer& tok);

// The seeded split of n rows, as datasets' train_test_split: the held-out
// share ceil((1 - train_share)·n) rounds up; train_share >= 1 holds out none.
// Both lists are in the permutation's order. Throws when no training row is left.
struct RowSplit {
  std::vector<int64_t> train, test;
};
RowSplit split_rows(int64_t n, double train_share, int64_t seed);

}  // namespace ragforge::data
