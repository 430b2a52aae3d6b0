// Python's str(), repr() and type names for config values. OmegaConf builds
// string interpolations with str() of each piece and quotes values in its
// messages with repr()-like text, so these must match CPython exactly.
#pragma once
#include <string>

#include "config/node.h"

namespace ragforge::config {

// repr() of a Python str: 'abc', "it's", 'a\nb'.
std::string python_str_repr(const std::string& s);

// str(v): strings unquoted, True/False/None, floats as repr, containers as
// their repr ({'a': 1, 'b': [2, 'x']}).
std::string python_str(const Node& v);

// repr(v): like str(v) but strings are quoted.
std::string python_repr(const Node& v);

// str() of a dict key (full_key segments): "a", "1", "True", "0.5".
std::string python_key_str(const Key& k);

// type(v).__name__ of the plain Python value: int, float, bool, str,
// NoneType, list, dict.
const char* python_type_name(const Node& v);

}  // namespace ragforge::config
