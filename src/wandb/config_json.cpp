#include "wandb/config_json.h"

#include <algorithm>
#include <array>

namespace ragforge::wandb {

using nlohmann::ordered_json;

ordered_json config_to_json(const config::Node& node) {
  using T = config::Node::Type;
  switch (node.type()) {
    case T::Null: return nullptr;
    case T::Bool: return node.as_bool();
    case T::Int: return node.as_int();
    case T::Float: return node.as_float();
    case T::String: return node.as_string();
    case T::List: {
      ordered_json out = ordered_json::array();
      for (const auto& item : node.items()) out.push_back(config_to_json(item));
      return out;
    }
    case T::Dict: {
      ordered_json out = ordered_json::object();
      for (const auto& e : node.entries()) out[e.key.text] = config_to_json(e.value);
      return out;
    }
  }
  return nullptr;
}

bool is_secret_key(const std::string& key) {
  std::string k = key;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::array<const char*, 4> kPatterns = {"api_key", "token", "secret", "password"};
  return std::any_of(kPatterns.begin(), kPatterns.end(), [&](const char* p) { return k.find(p) != std::string::npos; });
}

ordered_json redact_secrets(const ordered_json& config) {
  if (config.is_array()) {
    ordered_json out = ordered_json::array();
    for (const auto& item : config) out.push_back(redact_secrets(item));
    return out;
  }
  if (!config.is_object()) return config;
  ordered_json out = ordered_json::object();
  for (auto it = config.begin(); it != config.end(); ++it)
    out[it.key()] = is_secret_key(it.key()) ? ordered_json("<redacted>") : redact_secrets(it.value());
  return out;
}

std::string wandb_config_string(const ordered_json& config) {
  ordered_json wrapped = ordered_json::object();
  if (config.is_object()) {
    const ordered_json clean = redact_secrets(config);
    for (auto it = clean.begin(); it != clean.end(); ++it) wrapped[it.key()] = {{"value", it.value()}};
  }
  return wrapped.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace ragforge::wandb
