// BlockRank's JSONL rows (recipes.md §3.1), read and checked:
//
//   {"query": "who wrote hamlet", "query_id": "q1",
//    "documents": [{"doc_id": "d1", "title": "Hamlet", "text": "..."}, ...] | ["text", ...],
//    "answer_ids": ["d1", "d4"]}
//
// query_id defaults to the row index; a document's text is
// (title + " " + text).strip() and its id defaults to its index; ids (numbers
// too) compare as strings. answer_ids may be absent or empty (inference).
// Answer ids that name no document are dropped and counted (the original
// raised in training, Decision 7). A repeated doc_id keeps its first position
// and its last text, as the original's dict did; it is counted.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ragforge::data {

struct RankingDocument {
  std::string doc_id;
  std::string text;
};

struct RankingRow {
  int64_t row = 0;  // 0-based index among the rows read (across shards)
  std::string query_id, query;
  std::vector<RankingDocument> documents;  // file order, unique ids
  std::vector<std::string> answer_ids;     // in documents; first occurrence, in answer_ids order
  int64_t dropped_answer_ids = 0;          // answer ids naming no document
  int64_t duplicate_doc_ids = 0;           // documents whose id an earlier one had
};

struct RankingRowsReport {
  int64_t rows = 0;
  int64_t dropped_answer_ids = 0;         // data/dropped_answer_ids
  int64_t rows_with_dropped_answers = 0;
  int64_t duplicate_doc_ids = 0;
};

struct RankingRows {
  std::vector<RankingRow> rows;
  RankingRowsReport report;
};

// One parsed row; throws ragforge::Error with the reason only (no location),
// e.g. "'documents' is empty; a row needs at least one document".
RankingRow parse_ranking_row(const nlohmann::json& value, int64_t row);

// Reads a JSONL file, or every file a glob pattern ("shards/*.jsonl") matches,
// in sorted order. `key` names the setting in messages ("data.data_path").
// Throws "<file>:<line>: <reason>" for the first bad line, and "<key>: ..."
// when nothing can be read.
RankingRows read_ranking_rows(const std::string& path_or_glob, const std::string& key);

// Python's str.strip() for ASCII whitespace.
std::string strip_whitespace(const std::string& text);

}  // namespace ragforge::data
