// RAG-FiT's Classification metric (PubMedQA yes/no/maybe), a global metric:
// each prediction and label becomes a class, then the whole set is scored
// with accuracy and sklearn's macro precision/recall/F1
// (precision_recall_fscore_support(targets, predictions, average="macro"),
// scikit-learn 1.2, the version RAG-FiT's numbers came from).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "settings/evaluation_settings.h"

namespace ragforge::evaluation {

// 1 if "yes" is a substring of norm(prediction), else 0 if "no" is, else 2.
int64_t prediction_class(const std::string& prediction);
// mapping[norm(label)], else else_value.
int64_t label_class(const std::string& label, const settings::ClassificationSettings& c);

struct ClassificationScores {
  double accuracy = 0, precision = 0, recall = 0, f1 = 0;
};

// Over the classes present in targets ∪ predictions (sorted): per-class
// precision tp/predicted and recall tp/actual (0 where the count is 0),
// per-class F1 2PR/(P+R) (0 where P+R = 0), each averaged with numpy's
// pairwise summation; accuracy is the share of equal pairs. Both vectors
// must have the same, non-zero length.
ClassificationScores classification_scores(const std::vector<int64_t>& targets,
                                           const std::vector<int64_t>& predictions);

// numpy's mean of a float64 array: pairwise summation (8-way unrolled
// blocks of up to 128 items), then one division, so means agree bit for bit.
double numpy_mean(const std::vector<double>& values);

}  // namespace ragforge::evaluation
