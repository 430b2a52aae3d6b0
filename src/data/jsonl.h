// Reading a JSONL data file: one JSON object per line, blank lines ignored.
// A bad line is an error naming "<file>:<line>" (on_error = raise) or is
// counted and left out (skip).
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ragforge::data {

struct JsonlRow {
  int64_t line;  // 1-based line number in the file
  nlohmann::json value;
};

enum class OnError { Raise, Skip };
OnError parse_on_error(const std::string& name);  // "raise" | "skip"

// What a row check says about a row: "" when it is fine, else the reason
// (e.g. "missing key 'prompt' (set input_key=...)").
using RowCheck = std::function<std::string(const nlohmann::json& row)>;

struct JsonlFile {
  std::vector<JsonlRow> rows;
  int64_t skipped_bad_rows = 0;   // invalid JSON or failed checks, under skip
  std::string first_skip_reason;  // "<file>:<line>: ..." of the first skipped row
};

// Reads every line; `check` (optional) validates each parsed object.
// Throws ragforge::Error "<file>: cannot open ..." when unreadable, and
// "<file>:<line>: invalid JSON: ..." or "<file>:<line>: <reason>" under raise.
JsonlFile read_jsonl(const std::string& path, OnError on_error, const RowCheck& check = {});

}  // namespace ragforge::data
