#include "data/ranking_data.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <random>
#include <thread>

#include "core/error.h"
#include "core/parallel_for.h"
#include "data/chat_render.h"
#include "data/deterministic_random.h"
#include "data/ranking_prompt.h"
#include "data/ranking_sampling.h"

namespace ragforge::data {
namespace {

using Sampler = std::function<SampledRanking(const RankingRow&)>;

std::vector<RankingExample> make_examples(const std::vector<const RankingRow*>& rows, const tokenizer::Tokenizer& tok,
                                          bool training, const Sampler& sample) {
  const ChatRenderer chat(tok);
  std::vector<RankingExample> out(rows.size());
  parallel_for(rows.size(), [&](size_t i) { out[i] = make_ranking_example(sample(*rows[i]), tok, chat, training); });
  return out;
}

std::vector<const RankingRow*> pick(const RankingRows& rows, const std::vector<int64_t>& order) {
  std::vector<const RankingRow*> out;
  for (int64_t i : order) out.push_back(&rows.rows[static_cast<size_t>(i)]);
  return out;
}

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

void add_row_report(RankingRowsReport& into, const RankingRowsReport& r) {
  into.rows += r.rows;
  into.dropped_answer_ids += r.dropped_answer_ids;
  into.rows_with_dropped_answers += r.rows_with_dropped_answers;
  into.duplicate_doc_ids += r.duplicate_doc_ids;
}

void warn_rows(RankingDataReport& report, const RankingRowsReport& r, const std::string& path) {
  if (r.dropped_answer_ids > 0)
    report.warnings.push_back(path + ": " + std::to_string(r.dropped_answer_ids) + " answer ids in " +
                              std::to_string(r.rows_with_dropped_answers) +
                              " rows name no document of their row and are dropped (data/dropped_answer_ids)");
  if (r.duplicate_doc_ids > 0)
    report.warnings.push_back(path + ": " + std::to_string(r.duplicate_doc_ids) +
                              " documents repeat an earlier doc_id of their row; the later text is kept");
}

}  // namespace

RowSplit split_rows(int64_t n, double train_share, int64_t seed) {
  RowSplit out;
  if (train_share >= 1.0) {
    out.train = all_rows(n);
    return out;
  }
  const double test_share = 1.0 - train_share;  // the same double arithmetic as the original
  const auto n_test = static_cast<int64_t>(std::ceil(test_share * static_cast<double>(n)));
  if (n_test >= n)
    throw Error("train_test_split=" + std::to_string(train_share) + " holds out all " + std::to_string(n) +
                " rows; raise it (1 = no validation split) or give val_data_path");
  std::mt19937_64 rng(mix_seed(static_cast<uint64_t>(seed), 0x7370C17ULL));  // a stream of its own
  const std::vector<int64_t> order = permutation(n, rng);
  out.test.assign(order.begin(), order.begin() + n_test);
  out.train.assign(order.begin() + n_test, order.end());
  return out;
}

RankingData load_ranking_training_data(const settings::BlockRankDataSettings& s, const tokenizer::Tokenizer& tok) {
  RankingData data;
  const RankingRows rows = read_ranking_rows(s.data_path, "data.data_path");
  add_row_report(data.report.rows, rows.report);
  warn_rows(data.report, rows.report, s.data_path);

  RankingRows val_rows;
  std::vector<const RankingRow*> train, val;
  if (!s.val_data_path.empty()) {
    val_rows = read_ranking_rows(s.val_data_path, "data.val_data_path");
    add_row_report(data.report.rows, val_rows.report);
    warn_rows(data.report, val_rows.report, s.val_data_path);
    train = pick(rows, all_rows(rows.report.rows));
    val = pick(val_rows, all_rows(val_rows.report.rows));
  } else if (s.streaming) {
    std::mt19937_64 rng(mix_seed(static_cast<uint64_t>(s.dataset_seed), 0x7370C17ULL));
    train = pick(rows, permutation(rows.report.rows, rng));
  } else {
    const RowSplit split = split_rows(rows.report.rows, s.train_test_split, s.dataset_seed);
    train = pick(rows, split.train);
    val = pick(rows, split.test);
  }

  const Sampler sample = [&s](const RankingRow& r) { return sample_for_training(r, s.num_documents, s.dataset_seed); };
  data.train = make_examples(train, tok, /*training=*/true, sample);
  data.val = make_examples(val, tok, /*training=*/true, sample);
  data.report.train_examples = static_cast<int64_t>(data.train.size());
  data.report.val_examples = static_cast<int64_t>(data.val.size());
  for (const auto& e : data.train) data.report.rows_without_answers += e.answers.empty() ? 1 : 0;
  if (data.report.rows_without_answers > 0)
    data.report.warnings.push_back(std::to_string(data.report.rows_without_answers) +
                                   " training rows have no relevant document in their prompt; they train on "
                                   "the completion \"[]\" and add no auxiliary loss");
  if (!train.empty()) {
    const ChatRenderer chat(tok);
    data.report.example0_text =
        render_ranking_text(chat, ranking_messages(sample(*train[0]), true), true);
  }
  return data;
}

RankingEvalData load_ranking_eval_data(const settings::BlockRankEvalSettings& s, const tokenizer::Tokenizer& tok) {
  RankingEvalData data;
  const RankingRows rows = read_ranking_rows(s.data_path, "eval.data_path");
  add_row_report(data.report.rows, rows.report);
  warn_rows(data.report, rows.report, s.data_path);
  // As the original: the held-out share when train_test_split < 1, else every row.
  std::vector<int64_t> order = all_rows(rows.report.rows);
  if (s.train_test_split < 1.0) {
    order = split_rows(rows.report.rows, s.train_test_split, s.dataset_seed).test;
    std::sort(order.begin(), order.end());
  }
  const std::vector<const RankingRow*> picked = pick(rows, order);
  const Sampler sample = [&s](const RankingRow& r) {
    return select_for_evaluation(r, s.num_documents, s.eval_shuffle, s.dataset_seed);
  };
  data.examples = make_examples(picked, tok, /*training=*/false, sample);
  data.report.val_examples = static_cast<int64_t>(data.examples.size());
  if (!picked.empty()) {
    const ChatRenderer chat(tok);
    data.report.example0_text =
        render_ranking_text(chat, ranking_messages(sample(*picked[0]), false), false);
  }
  return data;
}

}  // namespace ragforge::data
