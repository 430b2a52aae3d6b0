// Helpers shared by the LibTorch tests: temporary folders, the golden cases,
// and tensor comparisons that print the largest difference.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {

// The tests' name for the shared scratch folder.
using TempDir = ScratchDir;

inline std::string golden_dir(const std::string& name) { return source_dir() + "/tests/data/golden/" + name; }

// max |a - b| over positions where `where` (broadcastable bool) is true.
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& where = {}) {
  auto d = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs();
  if (where.defined()) d = d.masked_select(where.expand_as(d));
  return d.numel() ? d.max().item<double>() : 0.0;
}

// |a - b| <= rel · max|b| + abs everywhere.
inline ::testing::AssertionResult close(const torch::Tensor& a, const torch::Tensor& b, double rel, double abs_tol,
                                        const std::string& what) {
  if (a.sizes() != b.sizes())
    return ::testing::AssertionFailure() << what << ": shape " << a.sizes() << " vs " << b.sizes();
  double diff = max_abs_diff(a, b), scale = b.abs().max().item<double>();
  if (diff <= rel * scale + abs_tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": max |diff| " << diff << " > " << rel << " * " << scale << " + "
                                       << abs_tol;
}

}  // namespace ragforge::testing
