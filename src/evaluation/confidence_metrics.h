// Step-confidence metrics (recipes.md §4.4) over the pooled valid steps:
// predictions p and labels y in [0, 1].
//
//   mse, mae, rmse        mean (p-y)², mean |p-y|, √mse
//   r2                    1 - Σ(y-p)²/Σ(y-ȳ)²; 0 when Σ(y-ȳ)² = 0
//   pearson               cov(p,y)/(σ_p σ_y); 0 when N < 2 or a σ is 0
//   ece                   bins on p with bounds i·w and i·w + w (float64, w = 1/bins), the
//                         last closed; Σ (n_b/N)·|mean_b p - mean_b y|. A p in the float64
//                         gap between two bins (0.6 at 10 bins) goes to the upper bin
//                         (Decision 9); p outside [0, 1] is in no bin but counts in N.
//   mae_low/medium/high   MAE for y in [0, .25] / (.25, .75) / [.75, 1]; NaN when empty
//
// Torch-free. Empty input is an error.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ragforge::evaluation {

struct ConfidenceMetrics {
  double mse = 0, mae = 0, rmse = 0, r2 = 0, pearson = 0, ece = 0;
  double mae_low = 0, mae_medium = 0, mae_high = 0;
  int64_t n_samples = 0;
};

ConfidenceMetrics confidence_metrics(const std::vector<double>& p, const std::vector<double>& y, int bins = 10);
double expected_calibration_error(const std::vector<double>& p, const std::vector<double>& y, int bins = 10);

// The keys above in spec order ("mse", ..., "n_samples").
std::vector<std::pair<std::string, double>> metric_items(const ConfidenceMetrics& m);
// As JSON: NaN (and ±inf) written as null.
nlohmann::ordered_json to_json(const ConfidenceMetrics& m);

}  // namespace ragforge::evaluation
