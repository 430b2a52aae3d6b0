#include "evaluation/ranking_metrics.h"

#include <unicode/uchar.h>  // u_charType, u_charDigitValue

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/utf8.h"
#include "evaluation/text_normalize.h"

namespace ragforge::evaluation {
namespace {

constexpr int64_t kCutoffs[4] = {1, 3, 5, 10};

// Python's \d on str: Unicode category Nd.
bool is_decimal_digit(char32_t cp) {
  if (cp < 0x80) return cp >= U'0' && cp <= U'9';
  return u_charType(static_cast<UChar32>(cp)) == U_DECIMAL_DIGIT_NUMBER;
}

bool is_word(const std::u32string& s, size_t i) { return i < s.size() && is_python_word_char(s[i]); }

// The first index of the ranking as the query's top-1, or -1 when invalid.
int64_t top1_index(const RankedQuery& q) {
  const auto n = static_cast<int64_t>(q.candidates.size());
  if (q.ranking.empty() || q.ranking[0] < 0 || q.ranking[0] >= n) return -1;
  return q.ranking[0];
}

// The run's (doc id, score) pairs of a query, as the original builds them:
// ranked candidates len(ranking) - rank, every other candidate 0. A doc id
// that occurs twice keeps its higher score. Empty ranking for invalid ones.
std::vector<std::pair<std::string, double>> run_scores(const RankedQuery& q) {
  const auto n = static_cast<int64_t>(q.candidates.size());
  std::vector<double> score(q.candidates.size(), 0.0);
  std::vector<bool> ranked(q.candidates.size(), false);
  if (top1_index(q) >= 0) {
    const auto len = static_cast<double>(q.ranking.size());
    for (size_t r = 0; r < q.ranking.size(); ++r) {
      const int64_t idx = q.ranking[r];
      if (idx < 0 || idx >= n || ranked[static_cast<size_t>(idx)]) continue;
      ranked[static_cast<size_t>(idx)] = true;
      score[static_cast<size_t>(idx)] = len - static_cast<double>(r);
    }
  }
  std::unordered_map<std::string, size_t> at;
  std::vector<std::pair<std::string, double>> out;
  for (size_t i = 0; i < q.candidates.size(); ++i) {
    const auto [it, fresh] = at.emplace(q.candidates[i], out.size());
    if (fresh)
      out.emplace_back(q.candidates[i], score[i]);
    else
      out[it->second].second = std::max(out[it->second].second, score[i]);
  }
  return out;
}

// trec_eval's order (form_res_rels.c comp_sim_docno): score descending, then
// doc id descending by strcmp. trec_eval stores scores as float.
void sort_trec_order(std::vector<std::pair<std::string, double>>& scores) {
  std::sort(scores.begin(), scores.end(), [](const auto& a, const auto& b) {
    const auto sa = static_cast<float>(a.second), sb = static_cast<float>(b.second);
    if (sa != sb) return sa > sb;
    return a.first > b.first;  // std::string compares bytes as unsigned, as strcmp
  });
}

std::vector<std::string> relevant_docs(const std::map<std::string, int>& judged) {
  std::vector<std::string> out;
  for (const auto& [doc, rel] : judged)
    if (rel >= 1) out.push_back(doc);
  return out;
}

double mean_x100(const std::vector<double>& xs) {
  double sum = 0.0;
  for (double x : xs) sum += x;  // left to right, as Python's sum
  return 100.0 * sum / static_cast<double>(xs.size());
}

}  // namespace

std::optional<int64_t> parse_decoded_prediction(std::string_view text, int64_t num_documents) {
  const std::u32string s = decode_utf8_lossless(text);
  size_t i = 0;
  while (i < s.size()) {
    if (!is_decimal_digit(s[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < s.size() && is_decimal_digit(s[end])) ++end;
    // \b before and after: no word character either side. A shorter match
    // cannot help, since a digit next to a digit is never a boundary.
    if ((i == 0 || !is_word(s, i - 1)) && !is_word(s, end)) {
      int64_t value = 0;
      for (size_t k = i; k < end; ++k) {
        value = value * 10 + u_charDigitValue(static_cast<UChar32>(s[k]));
        if (value >= num_documents) return std::nullopt;  // out of range (and no overflow)
      }
      return value;
    }
    i = end;
  }
  return std::nullopt;
}

TrecQueryScores trec_query_scores(const std::vector<std::pair<std::string, double>>& scores,
                                  const std::map<std::string, int>& judged) {
  auto ranked = scores;
  sort_trec_order(ranked);
  TrecQueryScores out;
  // DCG over the run; trec_eval counts only positive gains (m_ndcg_cut.c).
  std::vector<double> dcg(4, 0.0);
  double sum = 0.0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    const auto it = judged.find(ranked[i].first);
    const int rel = it == judged.end() ? 0 : it->second;
    if (rel >= 1 && out.recip_rank == 0.0) out.recip_rank = 1.0 / static_cast<double>(i + 1);
    for (int c = 0; c < 4; ++c)
      if (static_cast<int64_t>(i) == kCutoffs[c]) dcg[static_cast<size_t>(c)] = sum;
    if (rel > 0) sum += rel / std::log2(static_cast<double>(i + 2));
  }
  for (int c = 0; c < 4; ++c)
    if (static_cast<int64_t>(ranked.size()) <= kCutoffs[c]) dcg[static_cast<size_t>(c)] = sum;
  // Ideal DCG: every judged document with relevance > 0, the best first.
  std::vector<int> ideal;
  for (const auto& [doc, rel] : judged)
    if (rel > 0) ideal.push_back(rel);
  std::sort(ideal.rbegin(), ideal.rend());
  double ideal_sum = 0.0;
  std::vector<double> idcg(4, 0.0);
  for (size_t i = 0; i < ideal.size(); ++i) {
    for (int c = 0; c < 4; ++c)
      if (static_cast<int64_t>(i) == kCutoffs[c]) idcg[static_cast<size_t>(c)] = ideal_sum;
    ideal_sum += ideal[i] / std::log2(static_cast<double>(i + 2));
  }
  for (int c = 0; c < 4; ++c) {
    const auto k = static_cast<size_t>(c);
    if (static_cast<int64_t>(ideal.size()) <= kCutoffs[c]) idcg[k] = ideal_sum;
    out.ndcg_cut[c] = idcg[k] > 0.0 ? dcg[k] / idcg[k] : dcg[k];
  }
  return out;
}

nlohmann::ordered_json ranking_metrics(const std::vector<RankedQuery>& queries, const data::Qrels* qrels) {
  int64_t correct = 0, invalid = 0;
  const auto total = static_cast<int64_t>(queries.size());
  for (const auto& q : queries) {
    const int64_t top = top1_index(q);
    if (top < 0) {
      ++invalid;
      continue;
    }
    std::vector<std::string> gold = q.gold;
    if (gold.empty() && qrels) {
      const auto it = qrels->judged.find(q.query_id);
      if (it != qrels->judged.end()) gold = relevant_docs(it->second);
    }
    if (std::find(gold.begin(), gold.end(), q.candidates[static_cast<size_t>(top)]) != gold.end()) ++correct;
  }
  nlohmann::ordered_json m;
  m["accuracy"] = total > 0 ? 100.0 * static_cast<double>(correct) / static_cast<double>(total) : 0.0;
  m["exact_match"] = correct;
  m["total"] = total;
  m["invalid_predictions"] = invalid;
  m["invalid_rate"] = total > 0 ? 100.0 * static_cast<double>(invalid) / static_cast<double>(total) : 0.0;
  if (!qrels) return m;

  std::set<std::string> seen;
  std::vector<double> ndcg[4], rr;
  for (const auto& q : queries) {
    if (!seen.insert(q.query_id).second)
      throw Error("ranking metrics: query id '" + q.query_id +
                  "' occurs twice; qrels match queries by id, so give every row its own query_id");
    const auto it = qrels->judged.find(q.query_id);
    if (it == qrels->judged.end()) continue;  // only queries with judgements count
    const TrecQueryScores s = trec_query_scores(run_scores(q), it->second);
    for (int c = 0; c < 4; ++c) ndcg[c].push_back(s.ndcg_cut[c]);
    rr.push_back(s.recip_rank);
  }
  if (rr.empty()) return m;
  for (int c = 0; c < 4; ++c) {
    const std::string k = std::to_string(kCutoffs[c]);
    m["ndcg@" + k] = mean_x100(ndcg[c]);
    m["mrr@" + k] = mean_x100(rr);  // recip_rank at every k: the original's keys
  }
  return m;
}

nlohmann::ordered_json attn_eval_metrics(const std::vector<RankedQuery>& queries, const data::Qrels* qrels,
                                         int64_t attn_layer) {
  nlohmann::ordered_json m = ranking_metrics(queries, qrels);
  m["attn_layer"] = attn_layer;
  return m;
}

void write_metrics_json(const std::string& path, const nlohmann::ordered_json& metrics) {
  write_file_atomic(path, metrics.dump(2) + "\n");
}

void write_trec_run(const std::string& path, const std::vector<RankedQuery>& queries, const std::string& run_name) {
  auto check = [&](const std::string& what, const std::string& id) {
    if (id.empty() || id.find_first_of(" \t\r\n") != std::string::npos)
      throw Error(path + ": cannot write " + what + " '" + id +
                  "' to a TREC run file, whose fields are separated by whitespace; use ids without spaces");
  };
  check("run name", run_name);
  std::string out;
  char score[32];
  for (const auto& q : queries) {
    check("query id", q.query_id);
    auto scores = run_scores(q);
    sort_trec_order(scores);
    for (size_t r = 0; r < scores.size(); ++r) {
      check("doc id", scores[r].first);
      std::snprintf(score, sizeof score, "%g", scores[r].second);
      out += q.query_id + " Q0 " + scores[r].first + " " + std::to_string(r + 1) + " " + score + " " + run_name + "\n";
    }
  }
  write_file_atomic(path, out);
}

}  // namespace ragforge::evaluation
