// Reads a retrieval corpus: one JSON object {"id", "title", "text"} per line
// (bm25_index.h, build_index, states the rules). Streams, so a corpus of
// millions of passages never sits in memory. Internal to retrieval/.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>

namespace ragforge::retrieval {

struct CorpusDocument {
  int64_t line = 0;  // 1-based line in the corpus file
  std::string id, title, text;
};

class CorpusReader {
 public:
  // Throws ragforge::Error "<path>: cannot open the corpus: <reason>".
  explicit CorpusReader(const std::string& path);

  // The next document, skipping blank lines; false at the end of the file.
  // Throws ragforge::Error "<path>:<line>: <what is wrong, naming the key>".
  bool next(CorpusDocument& doc);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
  std::string line_;
  int64_t line_no_ = 0;
};

}  // namespace ragforge::retrieval
