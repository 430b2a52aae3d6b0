// Python's repr() for floats, which Hydra and OmegaConf use whenever they
// print a float: `0.0001`, `1e-05`, `1e+16`, `inf`, `nan`, `-0.0`.
#pragma once
#include <string>

namespace ragforge::config {

std::string python_float_repr(double v);

}  // namespace ragforge::config

