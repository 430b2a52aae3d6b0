#include "evaluation/clara_metrics.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "core/error.h"
#include "evaluation/local_metrics.h"
#include "evaluation/text_normalize.h"

namespace ragforge::evaluation {
namespace {

std::string clara_norm(const std::string& text) { return normalize_text(clara_bool_mapping(text)); }

bool is_yes_no(const std::string& normalized) {
  return normalized == "yes" || normalized == "no" || normalized == "noanswer";
}

}  // namespace

std::string clara_bool_mapping(const std::string& text) {
  if (text == "True") return "yes";
  if (text == "False") return "no";
  return text;
}

int clara_exact_match(const std::string& prediction, const std::string& gold) {
  return clara_norm(prediction) == clara_norm(gold) ? 1 : 0;
}

double clara_f1(const std::string& prediction, const std::string& gold) {
  const auto p = clara_norm(prediction), g = clara_norm(gold);
  if ((is_yes_no(p) || is_yes_no(g)) && p != g) return 0.0;
  return token_f1(p, g);  // normalising again is a no-op
}

int clara_cover_match(const std::string& prediction, const std::string& gold) {
  const auto pred_tokens = split_tokens(clara_norm(prediction));
  const std::unordered_set<std::string> have(pred_tokens.begin(), pred_tokens.end());
  for (const auto& t : split_tokens(clara_norm(gold)))
    if (!have.count(t)) return 0;
  return 1;
}

ClaraAnswerScores clara_answer_scores(const std::vector<std::string>& predictions,
                                      const std::vector<std::string>& golds) {
  if (predictions.size() != golds.size())
    throw Error("clara metrics: " + std::to_string(predictions.size()) + " predictions for " +
                std::to_string(golds.size()) + " gold answers; every example needs one prediction");
  ClaraAnswerScores s;
  s.count = static_cast<int64_t>(predictions.size());
  for (size_t i = 0; i < predictions.size(); ++i) {
    s.em += clara_exact_match(predictions[i], golds[i]);
    s.f1 += clara_f1(predictions[i], golds[i]);
    s.acc += clara_cover_match(predictions[i], golds[i]);
  }
  if (s.count > 0) s.em /= s.count, s.f1 /= s.count, s.acc /= s.count;
  return s;
}

ClaraRetrievalScores clara_retrieval_scores(const std::vector<std::vector<int64_t>>& topk,
                                            const std::vector<std::vector<int64_t>>& positives,
                                            const std::vector<int64_t>& ks) {
  if (topk.size() != positives.size())
    throw Error("clara retrieval metrics: " + std::to_string(topk.size()) + " rankings for " +
                std::to_string(positives.size()) + " pos_index lists");
  ClaraRetrievalScores s;
  for (auto k : ks) s.recall[k] = 0.0, s.precision[k] = 0.0;
  for (size_t i = 0; i < topk.size(); ++i) {
    const std::set<int64_t> pos(positives[i].begin(), positives[i].end());
    if (pos.empty()) continue;
    ++s.rows;
    for (auto k : ks) {
      const auto end = topk[i].begin() + std::min<int64_t>(k, static_cast<int64_t>(topk[i].size()));
      const std::set<int64_t> top(topk[i].begin(), end);
      const auto hits = static_cast<double>(
          std::count_if(top.begin(), top.end(), [&](int64_t d) { return pos.count(d) > 0; }));
      s.recall[k] += hits / static_cast<double>(pos.size());
      s.precision[k] += hits / static_cast<double>(k);
    }
  }
  if (s.rows > 0)
    for (auto k : ks) s.recall[k] /= s.rows, s.precision[k] /= s.rows;
  return s;
}

}  // namespace ragforge::evaluation
