#include "evaluation/jsonl_objects.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace ragforge::evaluation {
namespace {

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, ..."
// without the bracketed id, which says nothing to a user.
std::string parse_reason(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (!what.empty() && what.front() == '[') {
    const size_t close = what.find("] ");
    if (close != std::string::npos) what = what.substr(close + 2);
  }
  return what;
}

}  // namespace

std::vector<JsonlObject> read_jsonl_objects(const std::string& path, const std::string& config_key) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(path + ": is a directory, not a JSONL file (" + config_key + "=" + path + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(path + ": cannot open " + config_key + " (" + std::strerror(errno) + "); check " + config_key + "=" +
                path);
  std::vector<JsonlObject> rows;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ":" + std::to_string(line_no) + ": invalid JSON in " + config_key + ": " + parse_reason(e));
    }
    if (!value.is_object())
      throw Error(path + ":" + std::to_string(line_no) + ": expected a JSON object per line in " + config_key +
                  ", got " + value.type_name());
    rows.push_back({line_no, std::move(value)});
  }
  if (in.bad()) throw Error(path + ": read error after line " + std::to_string(line_no) + " of " + config_key);
  return rows;
}

std::string keys_of(const nlohmann::json& object) {
  std::string out;
  size_t n = 0;
  for (auto it = object.begin(); it != object.end(); ++it, ++n) {
    if (n == 8) return out + ", ...";
    out += (out.empty() ? "" : ", ") + it.key();
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace ragforge::evaluation
