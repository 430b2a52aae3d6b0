// Small helpers to read tokenizer.json fields with errors that name the
// component and file ("<file>: pre_tokenizer.pretokenizers[1]: ...").
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "core/error.h"

namespace ragforge::tokenizer::json_util {

using json = nlohmann::json;

[[noreturn]] inline void fail(const std::string& where, const std::string& what) { throw Error(where + ": " + what); }

inline const json& field(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) fail(where, "expected a JSON object, got " + std::string(obj.type_name()));
  auto it = obj.find(key);
  if (it == obj.end()) fail(where, std::string("missing field '") + key + "'");
  return *it;
}

inline std::string type_of(const json& obj, const std::string& where) {
  const json& t = field(obj, "type", where);
  if (!t.is_string()) fail(where, "'type' must be a string");
  return t.get<std::string>();
}

inline std::string get_string(const json& obj, const char* key, const std::string& where) {
  const json& v = field(obj, key, where);
  if (!v.is_string()) fail(where, std::string("'") + key + "' must be a string, got " + v.dump());
  return v.get<std::string>();
}

inline std::string get_string_or(const json& obj, const char* key, const std::string& dflt, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_string()) fail(where, std::string("'") + key + "' must be a string, got " + it->dump());
  return it->get<std::string>();
}

inline bool get_bool_or(const json& obj, const char* key, bool dflt, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) fail(where, std::string("'") + key + "' must be true or false, got " + it->dump());
  return it->get<bool>();
}

inline int64_t get_int_or(const json& obj, const char* key, int64_t dflt, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_number_integer()) fail(where, std::string("'") + key + "' must be an integer, got " + it->dump());
  return it->get<int64_t>();
}

inline const json& get_array(const json& obj, const char* key, const std::string& where) {
  const json& v = field(obj, key, where);
  if (!v.is_array()) fail(where, std::string("'") + key + "' must be a list");
  return v;
}

}  // namespace ragforge::tokenizer::json_util
