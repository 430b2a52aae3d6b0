// Python's repr() for floats, which Hydra and OmegaConf use whenever they
// print a float: `0.0001`, `1e-05`, `1e+16`, `inf`, `nan`, `-0.0`.
#pragma once
#include <string>

namespace ragforge::config {

std::string python_float_repr(double v);

}  // namespace ragforge::config

namespace ragforge::config {
class Node;
// Python's str() of the value OmegaConf would hand back: `0.0001`, `True`,
// `None`, `{'a': 1, 'b': [1, 2]}`. Used where Hydra's messages embed values.
std::string python_str(const Node& n);
// Python's repr(): like python_str, but strings are quoted ('abc').
std::string python_repr(const Node& n);
}  // namespace ragforge::config
