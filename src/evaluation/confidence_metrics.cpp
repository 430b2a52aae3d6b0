#include "evaluation/confidence_metrics.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace ragforge::evaluation {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mean_abs_where(const std::vector<double>& p, const std::vector<double>& y, bool (*keep)(double)) {
  double sum = 0;
  int64_t n = 0;
  for (size_t i = 0; i < p.size(); ++i)
    if (keep(y[i])) {
      sum += std::fabs(p[i] - y[i]);
      ++n;
    }
  return n > 0 ? sum / static_cast<double>(n) : kNaN;
}

}  // namespace

double expected_calibration_error(const std::vector<double>& p, const std::vector<double>& y, int bins) {
  if (p.size() != y.size()) throw Error("expected_calibration_error: predictions and labels differ in length");
  if (bins < 1) throw Error("expected_calibration_error: bins must be >= 1");
  if (p.empty()) throw Error("expected_calibration_error: no samples");
  const double width = 1.0 / bins;
  std::vector<double> sum_p(static_cast<size_t>(bins), 0.0), sum_y(static_cast<size_t>(bins), 0.0);
  std::vector<int64_t> count(static_cast<size_t>(bins), 0);
  for (size_t k = 0; k < p.size(); ++k) {
    for (int i = 0; i < bins; ++i) {
      const double lower = i * width, upper = lower + width;
      // The previous bin's upper bound closes the float64 gap (Decision 9).
      const double from = i == 0 ? lower : std::min(lower, (i - 1) * width + width);
      const bool in = p[k] >= from && (i == bins - 1 ? p[k] <= upper : p[k] < upper);
      if (!in) continue;
      sum_p[static_cast<size_t>(i)] += p[k];
      sum_y[static_cast<size_t>(i)] += y[k];
      ++count[static_cast<size_t>(i)];
      break;
    }
  }
  double ece = 0;
  const auto n = static_cast<double>(p.size());
  for (size_t i = 0; i < count.size(); ++i)
    if (count[i] > 0) {
      const auto c = static_cast<double>(count[i]);
      ece += (c / n) * std::fabs(sum_p[i] / c - sum_y[i] / c);
    }
  return ece;
}

ConfidenceMetrics confidence_metrics(const std::vector<double>& p, const std::vector<double>& y, int bins) {
  if (p.size() != y.size())
    throw Error("confidence metrics: " + std::to_string(p.size()) + " predictions for " + std::to_string(y.size()) +
                " labels");
  if (p.empty()) throw Error("confidence metrics: no valid steps to score (every label is -1 or was truncated)");
  ConfidenceMetrics m;
  const auto n = static_cast<double>(p.size());
  m.n_samples = static_cast<int64_t>(p.size());
  double se = 0, ae = 0, mean_p = 0, mean_y = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    se += (p[i] - y[i]) * (p[i] - y[i]);
    ae += std::fabs(p[i] - y[i]);
    mean_p += p[i];
    mean_y += y[i];
  }
  mean_p /= n;
  mean_y /= n;
  m.mse = se / n;
  m.mae = ae / n;
  m.rmse = std::sqrt(m.mse);
  double ss_tot = 0, cov = 0, var_p = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    ss_tot += (y[i] - mean_y) * (y[i] - mean_y);
    cov += (p[i] - mean_p) * (y[i] - mean_y);
    var_p += (p[i] - mean_p) * (p[i] - mean_p);
  }
  m.r2 = ss_tot == 0 ? 0.0 : 1.0 - se / ss_tot;
  m.pearson = (p.size() < 2 || var_p == 0 || ss_tot == 0) ? 0.0 : cov / std::sqrt(var_p * ss_tot);
  m.ece = expected_calibration_error(p, y, bins);
  m.mae_low = mean_abs_where(p, y, [](double v) { return v >= 0.0 && v <= 0.25; });
  m.mae_medium = mean_abs_where(p, y, [](double v) { return v > 0.25 && v < 0.75; });
  m.mae_high = mean_abs_where(p, y, [](double v) { return v >= 0.75 && v <= 1.0; });
  return m;
}

std::vector<std::pair<std::string, double>> metric_items(const ConfidenceMetrics& m) {
  return {{"mse", m.mse},         {"mae", m.mae},
          {"rmse", m.rmse},       {"r2", m.r2},
          {"pearson", m.pearson}, {"ece", m.ece},
          {"mae_low", m.mae_low}, {"mae_medium", m.mae_medium},
          {"mae_high", m.mae_high}, {"n_samples", static_cast<double>(m.n_samples)}};
}

nlohmann::ordered_json to_json(const ConfidenceMetrics& m) {
  nlohmann::ordered_json j;
  for (const auto& [k, v] : metric_items(m)) {
    if (k == "n_samples") j[k] = m.n_samples;
    else j[k] = std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
  }
  return j;
}

}  // namespace ragforge::evaluation
