#include "evaluation/classification.h"

#include <set>

#include "core/error.h"
#include "evaluation/text_normalize.h"

namespace ragforge::evaluation {
namespace {

// numpy's pairwise_sum_DOUBLE (umath/loops_utils.h.src), PW_BLOCKSIZE 128.
double pairwise_sum(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (size_t j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

}  // namespace

int64_t prediction_class(const std::string& prediction) {
  const std::string text = normalize_text(prediction);
  if (text.find("yes") != std::string::npos) return 1;
  if (text.find("no") != std::string::npos) return 0;
  return 2;
}

int64_t label_class(const std::string& label, const settings::ClassificationSettings& c) {
  const std::string text = normalize_text(label);
  for (const auto& [name, value] : c.mapping)
    if (name == text) return value;
  return c.else_value;
}

double numpy_mean(const std::vector<double>& values) {
  return pairwise_sum(values.data(), values.size()) / static_cast<double>(values.size());
}

ClassificationScores classification_scores(const std::vector<int64_t>& targets,
                                           const std::vector<int64_t>& predictions) {
  if (targets.size() != predictions.size() || targets.empty())
    throw Error("Classification: needs as many predictions as labels, and at least one (got " +
                std::to_string(predictions.size()) + " and " + std::to_string(targets.size()) + ")");
  std::set<int64_t> labels(targets.begin(), targets.end());  // sklearn's unique_labels: sorted union
  labels.insert(predictions.begin(), predictions.end());

  std::vector<double> precision, recall, f1;
  for (int64_t c : labels) {
    long tp = 0, predicted = 0, actual = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
      predicted += predictions[i] == c;
      actual += targets[i] == c;
      tp += predictions[i] == c && targets[i] == c;
    }
    // zero_division="warn": an undefined ratio counts as 0.
    const double p = predicted ? static_cast<double>(tp) / static_cast<double>(predicted) : 0.0;
    const double r = actual ? static_cast<double>(tp) / static_cast<double>(actual) : 0.0;
    double denom = p + r;  // beta² · P + R with beta = 1
    if (denom == 0.0) denom = 1.0;
    precision.push_back(p);
    recall.push_back(r);
    f1.push_back(2.0 * p * r / denom);
  }
  long equal = 0;
  for (size_t i = 0; i < targets.size(); ++i) equal += targets[i] == predictions[i];

  ClassificationScores s;
  s.accuracy = static_cast<double>(equal) / static_cast<double>(targets.size());
  s.precision = numpy_mean(precision);
  s.recall = numpy_mean(recall);
  s.f1 = numpy_mean(f1);
  return s;
}

}  // namespace ragforge::evaluation
