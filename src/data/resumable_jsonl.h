// An append-only JSONL output that a rerun resumes (RAG-FiT's generated_file):
// the complete lines already in the file are kept and counted, and a torn
// last line (the process died inside a write) is cut off, so that after any
// crash or signal the file holds exactly one line per finished row. Each
// append is a single write(2) of a whole line; sync() makes them durable.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ragforge::data {

class ResumableJsonl {
 public:
  // Reads `path` if it exists (the file itself is created, with its parent
  // folders, by the first append). Every complete line
  // must be a JSON object; otherwise throws ragforge::Error naming
  // <path>:<line>, leaving the file untouched.
  explicit ResumableJsonl(const std::string& path);
  ~ResumableJsonl();
  ResumableJsonl(const ResumableJsonl&) = delete;
  ResumableJsonl& operator=(const ResumableJsonl&) = delete;

  int64_t complete_lines() const { return lines_; }
  // The complete lines found when the file was opened, parsed.
  const std::vector<nlohmann::json>& existing() const { return existing_; }
  int64_t torn_bytes_dropped() const { return torn_bytes_; }
  // `line` must not contain '\n'.
  void append(const std::string& line);
  void sync();
  const std::string& path() const { return path_; }

 private:
  void open_for_append();
  std::string path_;
  int fd_ = -1;
  int64_t lines_ = 0, torn_bytes_ = 0;
  std::vector<nlohmann::json> existing_;
};

}  // namespace ragforge::data
