#include "data/jsonl.h"

#include <fstream>

#include "core/error.h"

namespace ragforge::data {

OnError parse_on_error(const std::string& name) {
  if (name == "raise") return OnError::Raise;
  if (name == "skip") return OnError::Skip;
  throw Error("data.on_error: expected 'raise' or 'skip', got '" + name + "'");
}

JsonlFile read_jsonl(const std::string& path, OnError on_error, const RowCheck& check) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the data file; check data_file=" + path);
  JsonlFile file;
  std::string line;
  int64_t line_no = 0;
  auto bad = [&](const std::string& reason) {
    const std::string msg = path + ":" + std::to_string(line_no) + ": " + reason;
    if (on_error == OnError::Raise) throw Error(msg + " (data.on_error=skip leaves bad rows out)");
    if (file.skipped_bad_rows++ == 0) file.first_skip_reason = msg;
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines carry nothing
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      bad(std::string("invalid JSON: ") + e.what());
      continue;
    }
    if (!value.is_object()) {
      bad(std::string("expected a JSON object, got ") + value.type_name());
      continue;
    }
    if (check) {
      const std::string reason = check(value);
      if (!reason.empty()) {
        bad(reason);
        continue;
      }
    }
    file.rows.push_back({line_no, std::move(value)});
  }
  if (in.bad()) throw Error(path + ": read error after line " + std::to_string(line_no));
  return file;
}

}  // namespace ragforge::data
