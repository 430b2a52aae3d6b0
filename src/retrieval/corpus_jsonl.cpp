#include "retrieval/corpus_jsonl.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/error.h"

namespace ragforge::retrieval {
namespace {

constexpr const char* kExpected = R"(expected one JSON object {"id": ..., "title": ..., "text": ...} per line)";

// nlohmann's what() starts with "[json.exception.parse_error.101] parse error
// at line 1, column 7: ..."; the line is ours, so keep from the column on.
std::string json_reason(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (const auto column = what.find("column "); column != std::string::npos) return what.substr(column);
  if (const auto bracket = what.find("] "); bracket != std::string::npos) return what.substr(bracket + 2);
  return what;
}

}  // namespace

CorpusReader::CorpusReader(const std::string& path) : path_(path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(path + ": cannot open the corpus: it is a folder (--corpus takes a JSONL file)");
  in_.open(path, std::ios::binary);
  if (!in_) throw Error(path + ": cannot open the corpus: " + std::strerror(errno));
}

bool CorpusReader::next(CorpusDocument& doc) {
  while (std::getline(in_, line_)) {
    ++line_no_;
    if (line_no_ == 1 && line_.rfind("\xEF\xBB\xBF", 0) == 0) line_.erase(0, 3);  // a UTF-8 BOM
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines carry nothing
    const std::string where = path_ + ":" + std::to_string(line_no_) + ": ";
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line_);
    } catch (const nlohmann::json::exception& e) {
      throw Error(where + "invalid JSON: " + json_reason(e) + " (" + kExpected + ")");
    }
    if (!value.is_object())
      throw Error(where + "expected a JSON object, got " + value.type_name() + " (" + kExpected + ")");

    doc.line = line_no_;
    const auto id = value.find("id");
    if (id == value.end()) throw Error(where + "missing key 'id' (" + kExpected + ")");
    if (id->is_string()) {
      doc.id = id->get<std::string>();
      if (doc.id.empty()) throw Error(where + "key 'id' is an empty string");
    } else if (id->is_number_unsigned()) {
      doc.id = std::to_string(id->get<uint64_t>());
    } else if (id->is_number_integer()) {
      doc.id = std::to_string(id->get<int64_t>());
    } else {
      throw Error(where + "key 'id' must be a string or an integer, got " + id->type_name());
    }

    doc.title.clear();
    if (const auto title = value.find("title"); title != value.end()) {
      if (!title->is_string()) throw Error(where + "key 'title' must be a string, got " + title->type_name());
      doc.title = title->get<std::string>();
    }

    const auto text = value.find("text");
    if (text == value.end()) throw Error(where + "missing key 'text' (" + kExpected + ")");
    if (!text->is_string()) throw Error(where + "key 'text' must be a string, got " + text->type_name());
    doc.text = text->get<std::string>();
    return true;
  }
  if (in_.bad()) throw Error(path_ + ": read error after line " + std::to_string(line_no_));
  return false;
}

}  // namespace ragforge::retrieval
