// BlockRank's ranking metrics (recipes.md §3.7), as the original computes
// them with pytrec_eval (trec_eval semantics), torch-free:
//
//   accuracy      100 * mean[top-1 candidate is gold] over all queries (P@1)
//   invalid_rate  100 * share of queries whose prediction is not a document
//   ndcg@k        trec_eval ndcg_cut.k (k = 1, 3, 5, 10): gain = relevance,
//                 discount log2(rank + 1), the ideal ranking from every judged
//                 document of the query with relevance > 0
//   mrr@k         trec_eval recip_rank, the same value for every k (the
//                 original's quirk, kept so numbers compare)
//
// The run a query is scored on: ranked documents get len(ranking), ..., 1
// (10, 9, ... for the usual top 10), every other candidate 0. trec_eval orders
// by score, then by doc id in descending byte order, so ties (the zeros) count.
// ndcg/mrr average, x100, over the queries that have qrels; without qrels, or
// when no query has any, those keys are absent.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/qrels.h"

namespace ragforge::evaluation {

constexpr const char* kAttnEvalMetricsFile = "attn_eval_metrics.json";
constexpr const char* kDecodeEvalMetricsFile = "decode_eval_metrics.json";

struct RankedQuery {
  std::string query_id;
  std::vector<std::string> candidates;  // every candidate doc id, in prompt order
  // Indices into candidates, best first (top min(10, N)). Empty, or a first
  // entry outside [0, N) (e.g. -1), is an invalid prediction; later entries
  // outside [0, N) are skipped, and a repeated index keeps its first rank.
  std::vector<int64_t> ranking;
  // Doc ids that count as correct for accuracy. When empty and qrels are
  // given, the query's judged documents with relevance >= 1 are used instead.
  std::vector<std::string> gold;
};

// The decode-mode prediction: the first match of Python's `\b\d+\b` in the
// generated text (Unicode digits and word boundaries, as Python 3's re on
// str), as a document index. nullopt when there is none, or it is not below
// num_documents (invalid). The text must be UTF-8; invalid bytes count as
// non-word characters.
std::optional<int64_t> parse_decoded_prediction(std::string_view text, int64_t num_documents);

// {"accuracy", "exact_match", "total", "invalid_predictions", "invalid_rate",
//  then with qrels "ndcg@1", "mrr@1", "ndcg@3", "mrr@3", ... "mrr@10"}, the
// original's keys and order. qrels may be null.
nlohmann::ordered_json ranking_metrics(const std::vector<RankedQuery>& queries, const data::Qrels* qrels);

// ranking_metrics plus "attn_layer", the content of attn_eval_metrics.json.
nlohmann::ordered_json attn_eval_metrics(const std::vector<RankedQuery>& queries, const data::Qrels* qrels,
                                         int64_t attn_layer);

// `json.dump(2)` and a newline, written atomically (core/atomic_file.h).
void write_metrics_json(const std::string& path, const nlohmann::ordered_json& metrics);

// The run in TREC format, `qid Q0 docid rank score run_name`: every candidate
// of every query, in trec_eval's order (score, then doc id descending; rank
// from 1), with the scores above, so `trec_eval -m ndcg_cut -m recip_rank
// qrels run` reproduces ranking_metrics. Written atomically. Ids containing
// whitespace cannot be written (Error).
void write_trec_run(const std::string& path, const std::vector<RankedQuery>& queries, const std::string& run_name);

// Per-query trec_eval values (0..1), for tests and reports. `scores` maps doc
// id -> run score; `judged` doc id -> relevance.
struct TrecQueryScores {
  double ndcg_cut[4] = {0, 0, 0, 0};  // at 1, 3, 5, 10
  double recip_rank = 0;
};
TrecQueryScores trec_query_scores(const std::vector<std::pair<std::string, double>>& scores,
                                  const std::map<std::string, int>& judged);

}  // namespace ragforge::evaluation
