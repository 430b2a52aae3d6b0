// ragforge-index.json: what makes a folder a ragforge BM25 index, and what
// Bm25Index::open checks the Xapian database against. Internal to retrieval/.
//
//   {"format": "ragforge-bm25-index", "format_version": 1,
//    "corpus": "/abs/corpus.jsonl", "documents": 80000,
//    "bm25": {"k1": 1.2, "k2": 0.0, "k3": 1.0, "b": 0.75, "min_normlen": 0.5},
//    "stemmer": "english", "xapian_version": "1.4.22", "xapian_uuid": "..."}
#pragma once
#include <cstdint>
#include <string>

#include "retrieval/bm25_index.h"

namespace ragforge::retrieval {

inline constexpr const char* kIndexFormat = "ragforge-bm25-index";
inline constexpr int kIndexFormatVersion = 1;

struct IndexMetadata {
  std::string corpus;  // absolute path of the corpus it was built from
  int64_t documents = 0;
  IndexOptions options;
  std::string xapian_version;  // of the library that wrote it
  std::string xapian_uuid;     // Xapian::Database::get_uuid() of its tables
};

std::string index_metadata_json(const IndexMetadata& meta);

// Reads and checks <index_dir>/ragforge-index.json. Throws ragforge::Error
// naming the folder, what is wrong, and the command that rebuilds it.
IndexMetadata read_index_metadata(const std::string& index_dir);

// `ragforge index --corpus C --out D [non-default options]`, shell-quoted;
// an empty corpus prints as CORPUS.jsonl.
std::string rebuild_command(const std::string& index_dir, const std::string& corpus,
                            const IndexOptions& options);

// "<index_dir>: <problem>; rebuild it with `<command>`".
std::string index_error(const std::string& index_dir, const std::string& problem,
                        const std::string& corpus, const IndexOptions& options);

}  // namespace ragforge::retrieval
