#include "config/node_json.h"

#include <cmath>

namespace ragforge::config {

nlohmann::ordered_json to_json(const Node& node) {
  switch (node.type()) {
    case Node::Type::Null: return nullptr;
    case Node::Type::Bool: return node.as_bool();
    case Node::Type::Int:
      // JSON numbers here are 64-bit; a wider int keeps its nearest double.
      return node.int_fits_64() ? nlohmann::ordered_json(node.as_int()) : nlohmann::ordered_json(node.as_float());
    case Node::Type::Float: {
      double v = node.as_float();
      return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
    }
    case Node::Type::String: return node.as_string();
    case Node::Type::List: {
      auto out = nlohmann::ordered_json::array();
      for (const Node& item : node.items()) out.push_back(to_json(item));
      return out;
    }
    case Node::Type::Dict: {
      auto out = nlohmann::ordered_json::object();
      for (const DictEntry& e : node.entries()) out[e.key.text] = to_json(e.value);
      return out;
    }
  }
  return nullptr;
}

}  // namespace ragforge::config
