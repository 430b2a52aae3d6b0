// Small whole-file readers: the text of a file, or the JSON in it. Errors
// name the path and the system's (or the parser's) reason. Writing goes
// through core/atomic_file.h.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace ragforge {

std::string read_text_file(const std::string& path);
// Parses a JSON file; a syntax error names the file.
nlohmann::json read_json_file(const std::string& path);
// A JSON file that must hold an object: "<path>: not a JSON object" otherwise.
nlohmann::json read_json_object_file(const std::string& path);

}  // namespace ragforge
