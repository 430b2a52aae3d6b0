// Reading a JSONL file for the evaluation: one JSON object per line, blank
// lines skipped (as Hugging Face's json loader does). Every error names the
// file, the line and the config key that chose the file.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ragforge::evaluation {

struct JsonlObject {
  int64_t line;  // 1-based line number in the file
  nlohmann::json value;
};

// Throws ragforge::Error "<path>: cannot open ... (<config_key>=<path>)" or
// "<path>:<line>: invalid JSON: ..." / "...: expected a JSON object".
std::vector<JsonlObject> read_jsonl_objects(const std::string& path, const std::string& config_key);

// "a, b, c" (at most 8, then "..."): a row's keys, for "no key" messages.
std::string keys_of(const nlohmann::json& object);

}  // namespace ragforge::evaluation
