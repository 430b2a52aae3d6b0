// build_index: corpus JSONL -> Xapian glass tables + ragforge-index.json, in
// a staging folder that is swapped into place only when complete
// (index_directory.h). Duplicate ids are found after indexing from 16 bytes
// per document (id hash, docid, line), so a corpus of millions of passages
// needs no id table in memory.
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "retrieval/bm25_index.h"
#include "retrieval/corpus_jsonl.h"
#include "retrieval/index_directory.h"
#include "retrieval/index_metadata.h"
#include "retrieval/text_analysis.h"

namespace ragforge::retrieval {
namespace {

namespace fs = std::filesystem;

struct IdSlot {
  uint64_t hash;
  uint32_t docid;
  uint32_t line;
};

std::string id_of(const Xapian::Database& db, Xapian::docid docid) {
  return nlohmann::json::parse(db.get_document(docid).get_data()).at("id").get<std::string>();
}

// Throws naming the first line (in corpus order) whose id an earlier line has.
void check_unique_ids(std::vector<IdSlot>& slots, const Xapian::Database& db, const std::string& corpus) {
  std::sort(slots.begin(), slots.end(),
            [](const IdSlot& a, const IdSlot& b) { return a.hash != b.hash ? a.hash < b.hash : a.docid < b.docid; });
  const IdSlot* worst = nullptr;  // the duplicate with the smallest line
  const IdSlot* first_of_worst = nullptr;
  std::string worst_id;
  for (size_t i = 0; i + 1 < slots.size(); ++i) {
    if (slots[i].hash != slots[i + 1].hash) continue;
    size_t end = i + 1;
    while (end < slots.size() && slots[end].hash == slots[i].hash) ++end;
    // Equal hashes: compare the real ids (distinct ids may share a hash).
    std::vector<std::string> ids;
    for (size_t k = i; k < end; ++k) ids.push_back(id_of(db, slots[k].docid));
    for (size_t k = i + 1; k < end; ++k)
      for (size_t e = i; e < k; ++e)
        if (ids[k - i] == ids[e - i] && (worst == nullptr || slots[k].line < worst->line)) {
          worst = &slots[k];
          first_of_worst = &slots[e];
          worst_id = ids[k - i];
          break;
        }
    i = end - 1;
  }
  if (worst != nullptr)
    throw Error(corpus + ":" + std::to_string(worst->line) + ": duplicate 'id' \"" + worst_id +
                "\" (first on line " + std::to_string(first_of_worst->line) + "); ids must be unique");
}

}  // namespace

void validate_index_options(const IndexOptions& options) {
  const Bm25Params& p = options.bm25;
  const auto check = [](const char* name, double v, bool ok, const char* rule) {
    if (!std::isfinite(v) || !ok)
      throw Error(std::string("BM25 parameter ") + name + " = " + std::to_string(v) + " is invalid: it must be " + rule);
  };
  check("k1", p.k1, p.k1 >= 0, ">= 0");
  check("k2", p.k2, p.k2 >= 0, ">= 0");
  check("k3", p.k3, p.k3 >= 0, ">= 0");
  check("b", p.b, p.b >= 0 && p.b <= 1, "in [0, 1]");
  check("min_normlen", p.min_normlen, p.min_normlen >= 0, ">= 0");
  make_stemmer(options.stemmer);  // throws for an unknown language
}

IndexStats build_index(const std::string& corpus_jsonl, const std::string& index_dir,
                       const IndexOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  validate_index_options(options);
  const fs::path dest = index_destination(index_dir);
  CorpusReader corpus(corpus_jsonl);
  check_replaceable(dest, index_dir);

  StagingDir staging(dest, index_dir);  // removed with its contents unless installed
  IndexMetadata meta;
  meta.corpus = fs::absolute(corpus_jsonl).lexically_normal().string();
  meta.options = options;
  meta.xapian_version = Xapian::version_string();
  try {
    // No fsync per flush: StagingDir::install syncs every file once at the end.
    // No termlist table (per-document term lists): BM25 search never reads
    // it and an index is rebuilt, never edited; it saves a quarter of the
    // indexing time and of the disk.
    Xapian::WritableDatabase db(staging.path().string(), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS |
                                                             Xapian::DB_NO_SYNC | Xapian::DB_NO_TERMLIST);
    Xapian::TermGenerator generator = make_term_generator(options.stemmer);
    std::vector<IdSlot> ids;
    CorpusDocument row;
    while (corpus.next(row)) {
      if (row.line > std::numeric_limits<uint32_t>::max() ||
          meta.documents >= std::numeric_limits<Xapian::docid>::max() - 1)
        throw Error(corpus_jsonl + ":" + std::to_string(row.line) + ": the corpus is too large for one index");
      Xapian::Document doc;
      index_document_text(generator, doc, row.title, row.text);
      doc.set_data(nlohmann::json{{"id", row.id}, {"title", row.title}, {"text", row.text}}.dump());
      const Xapian::docid docid = db.add_document(doc);
      ids.push_back({std::hash<std::string>()(row.id), docid, static_cast<uint32_t>(row.line)});
      ++meta.documents;
    }
    if (meta.documents == 0)
      throw Error(corpus_jsonl + R"(: the corpus has no documents (expected one JSON object {"id": ..., "title": ..., "text": ...} per line))");
    db.commit();
    check_unique_ids(ids, db, corpus_jsonl);
    meta.xapian_uuid = db.get_uuid();
    db.close();
  } catch (const Xapian::Error& e) {
    throw Error("cannot build the index " + index_dir + " from " + corpus_jsonl + ": Xapian: " + e.get_description());
  }
  write_file_atomic((staging.path() / kIndexMetadataFile).string(), index_metadata_json(meta));
  staging.install();

  IndexStats stats;
  stats.documents = meta.documents;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace ragforge::retrieval
