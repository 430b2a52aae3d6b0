// Gradient arithmetic of the training loop: the global L2 norm that is logged
// and clipped (recipes.md §0), scaling, and per-parameter norms for the
// non-finite report.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

#include "train/optimizer.h"

namespace ragforge::train {

// sqrt(Σ ‖g‖²) over parameters with a gradient, in float32 (0 when none).
double global_grad_norm(const NamedParameters& params);
// Multiplies every defined gradient by `factor`.
void scale_grads(const NamedParameters& params, double factor);
// torch.nn.utils.clip_grad_norm_: scales by max_norm/(norm+1e-6) when that is
// below 1. max_norm <= 0 leaves the gradients alone.
void clip_grads(const NamedParameters& params, double norm, double max_norm);
// ‖g‖ per parameter name (NaN/inf kept; undefined gradients left out).
std::map<std::string, double> per_parameter_grad_norms(const NamedParameters& params);

}  // namespace ragforge::train
