// The recorded Hydra data stores configs as JSON with floats tagged
// {"$float": repr} (tests/data/hydra/README.md). This turns such JSON into a
// config Node, so a test can compare a config with `==` (which compares dict
// keys by text, so JSON's string keys match int and bool keys too).
#pragma once
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "config/node.h"

namespace ragforge::testing {

inline config::Node node_from_tagged_json(const nlohmann::ordered_json& j) {
  using config::Node;
  if (j.is_null()) return Node();
  if (j.is_boolean()) return Node::boolean(j.get<bool>());
  if (j.is_number_integer()) return Node::integer(j.get<int64_t>());
  if (j.is_number_float()) return Node::floating(j.get<double>());
  if (j.is_string()) return Node::string(j.get<std::string>());
  if (j.is_array()) {
    Node list = Node::list();
    for (const auto& item : j) list.push_back(node_from_tagged_json(item));
    return list;
  }
  if (j.size() == 1 && j.contains("$float")) {
    const std::string repr = j["$float"].get<std::string>();
    if (repr == "nan") return Node::floating(std::numeric_limits<double>::quiet_NaN());
    if (repr == "inf") return Node::floating(std::numeric_limits<double>::infinity());
    if (repr == "-inf") return Node::floating(-std::numeric_limits<double>::infinity());
    return Node::floating(std::stod(repr));
  }
  Node dict = Node::dict();
  for (auto it = j.begin(); it != j.end(); ++it)
    dict.entries().push_back(config::DictEntry{config::Key(it.key()), node_from_tagged_json(it.value())});
  return dict;
}

}  // namespace ragforge::testing
