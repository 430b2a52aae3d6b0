#include "data/ranking_sampling.h"

#include <algorithm>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "data/deterministic_random.h"

namespace ragforge::data {
namespace {

std::mt19937_64 row_rng(int64_t dataset_seed, int64_t row) {
  return std::mt19937_64(mix_seed(static_cast<uint64_t>(dataset_seed + row)));
}

// Prompt order from chosen ids; answers are the positions holding a positive.
SampledRanking lay_out(const RankingRow& row, const std::vector<std::string>& ids,
                       const std::unordered_set<std::string>& positives) {
  std::unordered_map<std::string, const std::string*> text;
  for (const auto& d : row.documents) text.emplace(d.doc_id, &d.text);
  SampledRanking s;
  s.row = row.row;
  s.query_id = row.query_id;
  s.query = row.query;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = text.find(ids[i]);
    s.doc_ids.push_back(ids[i]);
    s.documents.push_back(it == text.end() ? kDummyDocument : *it->second);
    if (positives.count(ids[i])) s.answers.push_back(static_cast<int64_t>(i));
  }
  return s;
}

}  // namespace

SampledRanking sample_for_training(const RankingRow& row, int64_t num_documents, int64_t dataset_seed) {
  const auto all = static_cast<int64_t>(row.documents.size());
  const bool pad = num_documents > 0;
  const int64_t n = num_documents > 0 ? num_documents : all;
  std::mt19937_64 rng = row_rng(dataset_seed, row.row);

  std::vector<std::string> ids(row.answer_ids.begin(),
                               row.answer_ids.begin() + std::min<int64_t>(n, row.answer_ids.size()));
  const std::unordered_set<std::string> positives(ids.begin(), ids.end());
  std::vector<std::string> negatives;
  for (const auto& d : row.documents)
    if (!positives.count(d.doc_id)) negatives.push_back(d.doc_id);
  fisher_yates(negatives, rng);
  const int64_t take = std::min<int64_t>(n - static_cast<int64_t>(ids.size()), negatives.size());
  ids.insert(ids.end(), negatives.begin(), negatives.begin() + take);
  while (pad && static_cast<int64_t>(ids.size()) < n) ids.push_back("dummy_" + std::to_string(ids.size()));
  fisher_yates(ids, rng);
  return lay_out(row, ids, positives);
}

SampledRanking select_for_evaluation(const RankingRow& row, int64_t num_documents, bool shuffle,
                                     int64_t dataset_seed) {
  const auto all = static_cast<int64_t>(row.documents.size());
  const int64_t n = num_documents > 0 ? std::min(num_documents, all) : all;
  std::vector<std::string> ids;
  for (int64_t i = 0; i < n; ++i) ids.push_back(row.documents[static_cast<size_t>(i)].doc_id);
  if (shuffle) {
    std::mt19937_64 rng = row_rng(dataset_seed, row.row);
    fisher_yates(ids, rng);
  }
  return lay_out(row, ids, std::unordered_set<std::string>(row.answer_ids.begin(), row.answer_ids.end()));
}

}  // namespace ragforge::data
