// BM25 retrieval over a local JSONL corpus, with Xapian and no server.
//
// RAG-FiT retrieves with Haystack + Qdrant, a service its users run
// themselves; ragforge ships this instead. `build_index` turns a corpus
// ({"id", "title", "text"} per line) into a Xapian (glass) database in a
// folder, beside a metadata file, ragforge-index.json, that `Bm25Index::open`
// validates. `ragforge index` and `ragforge search` are its CLI
// (src/full/index_command.cpp, search_command.cpp).
//
// ---- What is indexed -------------------------------------------------------
// Each corpus line is one Xapian document. Its terms are the words of title
// and text (Xapian::TermGenerator, without positions: queries are bags of
// words), lowercased and, with stemmer "english", stemmed (STEM_ALL: only
// stems are indexed, so a document's length is its number of words). The
// document data holds {"id", "title", "text"} as JSON; a hit returns them as
// {id, title, content, score}. There is no termlist table: an index is for
// searching, and is rebuilt rather than edited.
//
// ---- What a query is ------------------------------------------------------
// Plain free text: Xapian::QueryParser splits and stems it exactly as the
// TermGenerator split the documents (same stemmer, same strategy, no boolean
// operators, phrases or +/-), and the query is the OR of its distinct terms,
// each with its count in the query as wqf ("dog, domestic dog": dog wqf 2,
// domest wqf 1). A query with no words matches nothing.
//
// ---- The score: Xapian::BM25Weight, exactly ----------------------------------
// For a document d and the query's distinct terms t with wqf_t:
//
//   score(d) = sum over t in d of  idf(t) * Q(t) * (k1 + 1) * wdf / (k1 * ((1 - b) + b * L) + wdf)
//              + 2 * k2 * qlen / (1 + L)
//
//   wdf     = occurrences of t in d (title + text)
//   N       = documents in the index;  n = documents containing t
//   idf(t)  = ln(r), r = (N - n + 0.5) / (n + 0.5), where Xapian replaces r by
//             r / 2 + 1 when r < 2 (a term in more than about a third of the
//             documents): every idf is >= 0, never negative as in Robertson's
//             original
//   Q(t)    = (k3 + 1) * wqf_t / (k3 + wqf_t)   (1 when wqf_t == 1, or k3 == 0)
//   L       = max(len_d / avglen, min_normlen): len_d is d's length (the sum
//             of its wdfs, i.e. its word count), avglen the mean length over
//             the index; short documents count as min_normlen long
//   qlen    = sum of wqf_t over the query's terms (its word count)
//
// (When k2 == 0 and b or k1 is 0, Xapian skips the length: L = min_normlen,
// which then changes nothing.) Hits are sorted by score, best first; equal
// scores keep the corpus order.
//
// ---- The parameters ---------------------------------------------------------
// Bm25Params' defaults are classic BM25 (Robertson et al.; Lucene, Elasticsearch
// and Haystack's BM25 retrievers): k1 = 1.2, b = 0.75. Xapian's own defaults
// (k1 = 1, b = 0.5) saturate term frequency sooner and normalise length less;
// ragforge keeps the values retrieval papers and RAG pipelines report. k2 = 0
// (no query-length correction, as in every common BM25), k3 = 1 (a repeated
// query word counts up to twice, saturating: wqf 2 weighs 4/3), and
// min_normlen = 0.5, Xapian's, so a two-word passage in a corpus of long ones
// does not win on length alone.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ragforge::retrieval {

struct Bm25Params {
  double k1 = 1.2;           // term-frequency saturation, >= 0
  double k2 = 0.0;           // query-length correction, >= 0
  double k3 = 1.0;           // query-term-frequency saturation, >= 0
  double b = 0.75;           // length normalisation, in [0, 1]
  double min_normlen = 0.5;  // lower bound of len_d / avglen, >= 0
};

struct IndexOptions {
  Bm25Params bm25;
  std::string stemmer = "english";  // "none": no stemming; else a Xapian::Stem language
};

struct IndexStats {
  int64_t documents = 0;
  double seconds = 0;  // reading, indexing, syncing and renaming into place
};

struct Hit {
  std::string id, title, content;
  double score = 0;
};

// The file beside the Xapian tables that makes a folder a ragforge index.
inline constexpr const char* kIndexMetadataFile = "ragforge-index.json";

// Throws ragforge::Error naming the bad parameter or stemmer.
void validate_index_options(const IndexOptions& options);

// Reads corpus_jsonl ({id, title, text} per line) and writes a Xapian index at
// index_dir atomically: it is built in a temporary folder beside index_dir,
// synced, then renamed into place, so readers see the old index or the new
// one. An existing index at index_dir is replaced only once the new one is
// complete; a folder that is neither empty nor an index (ragforge-index.json
// or Xapian tables) is never replaced.
//
// Corpus rules: one JSON object per line, blank lines ignored; "id" (a
// non-empty string or an integer, unique) and "text" (a string) are required,
// "title" (a string) is optional, other keys are ignored. An error names
// "<file>:<line>" and the key; an empty corpus is an error. Throws
// ragforge::Error, leaving nothing at index_dir that was not there before.
IndexStats build_index(const std::string& corpus_jsonl, const std::string& index_dir,
                       const IndexOptions& options = {});

// A built index, opened for searching. Movable, not copyable; use it from one
// thread at a time.
class Bm25Index {
 public:
  // Validates ragforge-index.json and the Xapian database against it. A
  // missing, corrupt or mismatched index throws ragforge::Error naming the
  // folder and the `ragforge index` command that rebuilds it.
  static Bm25Index open(const std::string& index_dir);

  // The top_k (>= 1) best documents for free-text `query`, best first, ties in
  // corpus order; fewer when fewer match, none when the query has no words.
  std::vector<Hit> search(const std::string& query, int64_t top_k) const;

  int64_t size() const;                  // documents
  const IndexOptions& options() const;   // what it was built with
  const std::string& directory() const;  // as passed to open()
  const std::string& corpus() const;     // the corpus it was built from (absolute path)

  // The `ragforge index ...` command line that rebuilds this index.
  std::string rebuild_command() const;

  Bm25Index(Bm25Index&&) noexcept;
  Bm25Index& operator=(Bm25Index&&) noexcept;
  ~Bm25Index();

 private:
  struct Impl;
  explicit Bm25Index(std::unique_ptr<Impl> impl);
  const Impl& impl() const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ragforge::retrieval
