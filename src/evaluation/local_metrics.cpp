#include "evaluation/local_metrics.h"

#include <algorithm>
#include <unordered_map>

#include "evaluation/text_normalize.h"

namespace ragforge::evaluation {

int exact_match(const std::string& prediction, const AnswerList& targets) {
  const std::string pred = normalize_text(prediction);
  for (const auto& t : targets)
    if (normalize_text(t) == pred) return 1;
  return 0;
}

double token_f1(const std::string& prediction, const std::string& target) {
  const auto pred_tokens = split_tokens(normalize_text(prediction));
  const auto target_tokens = split_tokens(normalize_text(target));
  std::unordered_map<std::string, long> target_counts;  // Counter(ground_truth_tokens)
  for (const auto& t : target_tokens) ++target_counts[t];
  long num_same = 0;  // sum((Counter(pred) & Counter(target)).values())
  for (const auto& t : pred_tokens) {
    auto it = target_counts.find(t);
    if (it != target_counts.end() && it->second > 0) {
      --it->second;
      ++num_same;
    }
  }
  if (num_same == 0) return 0.0;
  const double precision = static_cast<double>(num_same) / static_cast<double>(pred_tokens.size());
  const double recall = static_cast<double>(num_same) / static_cast<double>(target_tokens.size());
  return (2 * precision * recall) / (precision + recall);
}

double f1_score(const std::string& prediction, const AnswerList& targets) {
  double best = 0.0;
  for (const auto& t : targets) best = std::max(best, token_f1(prediction, t));
  return best;
}

double string_em(const std::string& prediction, const QaPairs& qa_pairs) {
  const std::string pred = normalize_text(prediction);
  long hits = 0;
  for (const auto& answers : qa_pairs)
    if (std::any_of(answers.begin(), answers.end(),
                    [&](const std::string& a) { return pred.find(a) != std::string::npos; }))
      ++hits;
  return static_cast<double>(hits) / static_cast<double>(qa_pairs.size());
}

}  // namespace ragforge::evaluation
