// Bm25Index: open and validate an index folder, answer free-text queries.
#include "retrieval/bm25_index.h"

#include <xapian.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/error.h"
#include "retrieval/index_metadata.h"
#include "retrieval/text_analysis.h"

namespace ragforge::retrieval {

struct Bm25Index::Impl {
  std::string dir;
  IndexMetadata meta;
  Xapian::Database db;
  // QueryParser is a handle whose parse_query is not const; search() is const
  // for callers, and one thread at a time uses an index.
  mutable Xapian::QueryParser parser;
  Xapian::BM25Weight weight;

  Impl(std::string d, IndexMetadata m)
      : dir(std::move(d)),
        meta(std::move(m)),
        parser(make_query_parser(meta.options.stemmer)),
        weight(make_bm25_weight(meta.options.bm25)) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(index_error(dir, problem, meta.corpus, meta.options));
  }
};

Bm25Index::Bm25Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Bm25Index::Bm25Index(Bm25Index&&) noexcept = default;
Bm25Index& Bm25Index::operator=(Bm25Index&&) noexcept = default;
Bm25Index::~Bm25Index() = default;

const Bm25Index::Impl& Bm25Index::impl() const {
  if (!impl_) throw Error("Bm25Index: this index was moved from; use the object it was moved to");
  return *impl_;
}

Bm25Index Bm25Index::open(const std::string& index_dir) {
  auto impl = std::make_unique<Impl>(index_dir, read_index_metadata(index_dir));
  try {
    impl->db = Xapian::Database(index_dir, Xapian::DB_BACKEND_GLASS);
    const Xapian::doccount docs = impl->db.get_doccount();
    if (static_cast<int64_t>(docs) != impl->meta.documents)
      impl->fail("the Xapian tables hold " + std::to_string(docs) + " documents but " + kIndexMetadataFile +
                 " says " + std::to_string(impl->meta.documents) + ", so they are not from the same build");
    if (!impl->meta.xapian_uuid.empty() && impl->db.get_uuid() != impl->meta.xapian_uuid)
      impl->fail(std::string("the Xapian tables are not the ones ") + kIndexMetadataFile +
                 " was written for (their UUIDs differ)");
    // Read the first document, so damage to the tables that hold documents
    // shows here rather than in the first search.
    const Xapian::docid first = *impl->db.postlist_begin("");
    impl->db.get_document(first).get_data();
  } catch (const Xapian::DatabaseOpeningError& e) {
    impl->fail("cannot open the Xapian tables (" + e.get_description() + "): the index is incomplete or damaged");
  } catch (const Xapian::Error& e) {
    impl->fail("the Xapian tables are damaged (" + e.get_description() + ")");
  }
  return Bm25Index(std::move(impl));
}

std::vector<Hit> Bm25Index::search(const std::string& query, int64_t top_k) const {
  const Impl& s = impl();
  if (top_k < 1) throw Error("BM25 search: top_k must be at least 1, got " + std::to_string(top_k));
  std::vector<Hit> hits;
  try {
    const Xapian::Query q = make_bm25_query(s.parser, query);
    if (q.empty()) return hits;
    Xapian::Enquire enquire(s.db);
    enquire.set_weighting_scheme(s.weight);
    enquire.set_query(q);
    // Best first; equal weights in docid order, which is corpus order.
    enquire.set_docid_order(Xapian::Enquire::ASCENDING);
    const auto wanted = static_cast<Xapian::doccount>(std::min<int64_t>(top_k, s.meta.documents));
    const Xapian::MSet mset = enquire.get_mset(0, wanted);
    hits.reserve(mset.size());
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      const std::string data = it.get_document().get_data();
      nlohmann::json doc = nlohmann::json::parse(data, nullptr, false);
      if (!doc.is_object() || !doc["id"].is_string() || !doc["title"].is_string() || !doc["text"].is_string())
        s.fail("document " + std::to_string(*it) + " has no {id, title, text} data");
      Hit hit;
      hit.id = doc["id"].get<std::string>();
      hit.title = doc["title"].get<std::string>();
      hit.content = doc["text"].get<std::string>();
      hit.score = it.get_weight();
      hits.push_back(std::move(hit));
    }
  } catch (const Xapian::Error& e) {
    s.fail("searching failed: the Xapian tables are damaged (" + e.get_description() + ")");
  }
  return hits;
}

int64_t Bm25Index::size() const { return impl().meta.documents; }
const IndexOptions& Bm25Index::options() const { return impl().meta.options; }
const std::string& Bm25Index::directory() const { return impl().dir; }
const std::string& Bm25Index::corpus() const { return impl().meta.corpus; }

std::string Bm25Index::rebuild_command() const {
  const Impl& s = impl();
  return retrieval::rebuild_command(s.dir, s.meta.corpus, s.meta.options);
}

}  // namespace ragforge::retrieval
