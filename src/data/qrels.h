// Relevance judgements (qrels) for ranking metrics, read from either layout:
//   BEIR TSV   `query-id <TAB> corpus-id <TAB> score`  (a header line is skipped)
//   TREC       `qid 0 docid rel`                       (the iteration column is ignored)
// Fields are split on tabs when the line has one, else on any whitespace, as
// the original BlockRank loader does. Ids are kept as strings; a repeated
// (query, doc) pair keeps the last relevance.
#pragma once
#include <map>
#include <string>

namespace ragforge::data {

struct Qrels {
  // query id -> doc id -> relevance (integer; <= 0 counts as not relevant)
  std::map<std::string, std::map<std::string, int>> judged;
};

// Throws ragforge::Error "<path>:<line>: ..." for a line that has neither 3 nor
// 4 fields or whose relevance is not an integer, and "<path>: cannot open ..."
// when the file is unreadable. Blank lines are ignored. The first non-blank
// line is a header (and skipped) when its relevance field is not an integer,
// e.g. `query-id corpus-id score`.
Qrels read_qrels(const std::string& path);

}  // namespace ragforge::data
