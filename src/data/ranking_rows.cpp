#include "data/ranking_rows.h"

#include <glob.h>

#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "data/jsonl.h"

namespace ragforge::data {
namespace {

using nlohmann::json;

// Ids compare as strings: 7 and "7" are the same document.
bool id_text(const json& v, std::string& out) {
  if (v.is_string()) out = v.get<std::string>();
  else if (v.is_number_integer()) out = v.dump();
  else if (v.is_number_float()) out = v.dump();
  else return false;
  return true;
}

std::string optional_text(const json& doc, const char* key, size_t index) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return "";
  if (!it->is_string())
    throw Error("documents[" + std::to_string(index) + "]." + key + " must be a string, got " + it->type_name());
  return it->get<std::string>();
}

void read_documents(const json& docs, RankingRow& r) {
  if (!docs.is_array()) throw Error("'documents' must be a list of {doc_id, title, text} or of strings, got " +
                                    std::string(docs.type_name()));
  if (docs.empty()) throw Error("'documents' is empty; a row needs at least one document");
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < docs.size(); ++i) {
    const json& d = docs[i];
    RankingDocument doc;
    if (d.is_string()) {
      doc = {std::to_string(i), d.get<std::string>()};
    } else if (d.is_object()) {
      doc.doc_id = std::to_string(i);
      if (auto it = d.find("doc_id"); it != d.end() && !it->is_null() && !id_text(*it, doc.doc_id))
        throw Error("documents[" + std::to_string(i) + "].doc_id must be a string or a number, got " +
                    it->type_name());
      doc.text = strip_whitespace(optional_text(d, "title", i) + " " + optional_text(d, "text", i));
    } else {
      throw Error("documents[" + std::to_string(i) + "] must be a {doc_id, title, text} object or a string, got " +
                  d.type_name());
    }
    auto [it, fresh] = position.emplace(doc.doc_id, r.documents.size());
    if (fresh) {
      r.documents.push_back(std::move(doc));
    } else {
      r.documents[it->second].text = std::move(doc.text);
      ++r.duplicate_doc_ids;
    }
  }
}

void read_answers(const json& row, RankingRow& r) {
  auto it = row.find("answer_ids");
  if (it == row.end() || it->is_null()) return;
  if (!it->is_array()) throw Error("'answer_ids' must be a list of doc ids, got " + std::string(it->type_name()));
  std::unordered_set<std::string> ids, seen;
  for (const auto& d : r.documents) ids.insert(d.doc_id);
  for (size_t i = 0; i < it->size(); ++i) {
    std::string id;
    if (!id_text((*it)[i], id))
      throw Error("answer_ids[" + std::to_string(i) + "] must be a string or a number, got " + (*it)[i].type_name());
    if (!ids.count(id)) {
      ++r.dropped_answer_ids;
      continue;
    }
    if (seen.insert(id).second) r.answer_ids.push_back(std::move(id));
  }
}

std::vector<std::string> expand(const std::string& pattern, const std::string& key) {
  if (pattern.find_first_of("*?[") == std::string::npos) return {pattern};
  glob_t g{};
  std::vector<std::string> files;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);  // glob sorts
  ::globfree(&g);
  if (files.empty()) throw Error(key + ": no file matches '" + pattern + "'");
  return files;
}

}  // namespace

std::string strip_whitespace(const std::string& text) {
  const char* ws = " \t\n\r\v\f\x1c\x1d\x1e\x1f";
  const size_t b = text.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return text.substr(b, text.find_last_not_of(ws) - b + 1);
}

RankingRow parse_ranking_row(const json& value, int64_t row) {
  RankingRow r;
  r.row = row;
  auto q = value.find("query");
  if (q == value.end() || q->is_null()) throw Error("missing 'query'");
  if (!q->is_string()) throw Error("'query' must be a string, got " + std::string(q->type_name()));
  r.query = q->get<std::string>();
  r.query_id = std::to_string(row);
  if (auto id = value.find("query_id"); id != value.end() && !id->is_null() && !id_text(*id, r.query_id))
    throw Error("'query_id' must be a string or a number, got " + std::string(id->type_name()));
  auto docs = value.find("documents");
  if (docs == value.end() || docs->is_null()) throw Error("missing 'documents'");
  read_documents(*docs, r);
  read_answers(value, r);
  return r;
}

RankingRows read_ranking_rows(const std::string& path_or_glob, const std::string& key) {
  if (path_or_glob.empty()) throw Error(key + ": not set; give a JSONL file (" + key + "=<file.jsonl>)");
  RankingRows out;
  for (const std::string& path : expand(path_or_glob, key)) {
    if (!std::ifstream(path)) throw Error(key + ": cannot open '" + path + "'; check " + key + "=" + path_or_glob);
    // Skip mode collects the first bad line in file order; any bad line is an error here.
    JsonlFile file = read_jsonl(path, OnError::Skip, [](const json& v) -> std::string {
      try {
        parse_ranking_row(v, 0);
      } catch (const Error& e) {
        return e.what();
      }
      return "";
    });
    if (file.skipped_bad_rows > 0) throw Error(file.first_skip_reason);
    for (const JsonlRow& line : file.rows) {
      RankingRow r = parse_ranking_row(line.value, static_cast<int64_t>(out.rows.size()));
      out.report.dropped_answer_ids += r.dropped_answer_ids;
      out.report.rows_with_dropped_answers += r.dropped_answer_ids > 0 ? 1 : 0;
      out.report.duplicate_doc_ids += r.duplicate_doc_ids;
      out.rows.push_back(std::move(r));
    }
  }
  out.report.rows = static_cast<int64_t>(out.rows.size());
  if (out.rows.empty()) throw Error(key + ": '" + path_or_glob + "' holds no rows");
  return out;
}

}  // namespace ragforge::data
