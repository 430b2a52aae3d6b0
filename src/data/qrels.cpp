#include "data/qrels.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace ragforge::data {
namespace {

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  if (line.find('\t') != std::string::npos) {
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, '\t')) fields.push_back(field);
    // Trim each tab-separated field (a TSV cell may carry stray spaces).
    for (auto& f : fields) {
      const auto b = f.find_first_not_of(" \r");
      const auto e = f.find_last_not_of(" \r");
      f = b == std::string::npos ? std::string() : f.substr(b, e - b + 1);
    }
    return fields;
  }
  std::istringstream in(line);
  std::string field;
  while (in >> field) fields.push_back(field);
  return fields;
}

// An optionally signed decimal integer, nothing else (Python int() would also
// take '1_0'; such files do not exist in practice).
bool parse_relevance(const std::string& text, int& out) {
  if (text.empty()) return false;
  size_t i = (text[0] == '+' || text[0] == '-') ? 1 : 0;
  if (i == text.size()) return false;
  for (size_t k = i; k < text.size(); ++k)
    if (text[k] < '0' || text[k] > '9') return false;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v > std::numeric_limits<int>::max() || v < std::numeric_limits<int>::min())
    return false;
  out = static_cast<int>(v);
  return true;
}

}  // namespace

Qrels read_qrels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the qrels file; check qrels_path=" + path);
  Qrels qrels;
  std::string line;
  int64_t line_no = 0;
  bool seen_first = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const bool first = !seen_first;
    seen_first = true;
    const std::vector<std::string> f = split_fields(line);
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (f.size() != 3 && f.size() != 4)
      throw Error(where + "expected 3 fields (query-id doc-id relevance) or 4 (TREC: qid 0 docid rel), got " +
                  std::to_string(f.size()));
    const std::string& query_id = f[0];
    const std::string& doc_id = f.size() == 4 ? f[2] : f[1];
    int relevance = 0;
    if (!parse_relevance(f.back(), relevance)) {
      if (first) continue;  // a header such as `query-id corpus-id score`
      throw Error(where + "relevance '" + f.back() + "' is not an integer");
    }
    qrels.judged[query_id][doc_id] = relevance;
  }
  if (in.bad()) throw Error(path + ": read error after line " + std::to_string(line_no));
  return qrels;
}

}  // namespace ragforge::data
