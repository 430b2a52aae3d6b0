// BM25 throughput (scripts/bench-bm25.sh): ragforge's Xapian index against a
// brute-force in-memory BM25 scan, on a corpus made deterministically from
// WordNet 3.0's nouns (one passage per synset: title = its words, text = its
// gloss; about 82k passages).
//
//   bench_bm25 [--wordnet DIR] [--work DIR] [--queries N] [--top-k K] [--stemmer S]
//
// Indexing: build_index (parse JSONL, index, sync, rename) in docs/s, beside
// the baseline's in-memory term lists made with the same TermGenerator.
// Search: N queries (query i is the title of synset (i * 7919) mod docs, as
// in "what does <word> mean"), top K, in queries/s, beside the baseline,
// which scores every document with the same formula (bm25_index.h). It also
// checks that both return the same top K with the same scores (relative
// 1e-9), and how often the query's own synset is among them. Prints a table
// and one JSON line.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "retrieval/bm25_index.h"
#include "retrieval/text_analysis.h"

namespace {

using namespace ragforge::retrieval;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Passage {
  std::string id, title, text;
};

// data.noun: "<offset> <lex_filenum> n <w_cnt hex> <word> <lex_id> ... | <gloss>";
// the licence lines at the top start with two spaces.
std::vector<Passage> read_wordnet_passages(const std::string& wordnet_dir) {
  const std::string path = wordnet_dir + "/data.noun";
  std::ifstream in(path);
  if (!in) {
    std::cerr << "bench_bm25: cannot read " << path << ": install the Debian package wordnet-base\n";
    std::exit(1);
  }
  std::vector<Passage> passages;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  ", 0) == 0) continue;
    const auto bar = line.find(" | ");
    if (bar == std::string::npos) continue;
    std::vector<std::string> f;
    size_t pos = 0;
    while (pos < bar) {
      const size_t end = std::min(line.find(' ', pos), bar);
      f.push_back(line.substr(pos, end - pos));
      pos = end + 1;
    }
    if (f.size() < 6) continue;
    Passage p;
    p.id = "n" + f[0];
    const long words = std::strtol(f[3].c_str(), nullptr, 16);
    for (long w = 0; w < words && 4 + 2 * w < static_cast<long>(f.size()); ++w) {
      std::string word = f[4 + 2 * w];
      std::replace(word.begin(), word.end(), '_', ' ');
      if (const auto paren = word.find('('); paren != std::string::npos) word.erase(paren);  // "(a)" markers
      p.title += (w ? ", " : "") + word;
    }
    p.text = line.substr(bar + 3);
    while (!p.text.empty() && p.text.back() == ' ') p.text.pop_back();
    passages.push_back(std::move(p));
  }
  return passages;
}

// ---- the baseline: every document's term list in memory, scored by a scan ----

struct ScanIndex {
  std::unordered_map<std::string, uint32_t> term_ids;
  std::vector<uint32_t> doc_freq;                                // by term id
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> docs;  // (term id, wdf) per document
  std::vector<double> lengths;
  double avg_length = 0;
};

ScanIndex build_scan_index(const std::vector<Passage>& passages, const std::string& stemmer) {
  ScanIndex index;
  Xapian::TermGenerator generator = make_term_generator(stemmer);
  double total = 0;
  for (const auto& p : passages) {
    Xapian::Document doc;
    index_document_text(generator, doc, p.title, p.text);
    std::vector<std::pair<uint32_t, uint32_t>> terms;
    double len = 0;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      const auto [it, fresh] = index.term_ids.emplace(*t, static_cast<uint32_t>(index.doc_freq.size()));
      if (fresh) index.doc_freq.push_back(0);
      ++index.doc_freq[it->second];
      terms.emplace_back(it->second, t.get_wdf());
      len += t.get_wdf();
    }
    index.docs.push_back(std::move(terms));
    index.lengths.push_back(len);
    total += len;
  }
  index.avg_length = total / static_cast<double>(passages.size());
  return index;
}

struct ScanHit {
  uint32_t doc;
  double score;
};

std::vector<ScanHit> scan_search(const ScanIndex& index, Xapian::QueryParser& parser, const std::string& query,
                                 const Bm25Params& p, size_t top_k) {
  struct QueryTerm {
    uint32_t id;
    double weight;  // idf * Q * (k1 + 1)
  };
  std::vector<QueryTerm> terms;
  double qlen = 0;
  const double n_docs = static_cast<double>(index.docs.size());
  for (const auto& [term, wqf] : query_terms(parser, query)) {
    qlen += wqf;
    const auto it = index.term_ids.find(term);
    if (it == index.term_ids.end()) continue;
    const double n = index.doc_freq[it->second];
    double r = (n_docs - n + 0.5) / (n + 0.5);
    if (r < 2) r = r / 2 + 1;
    terms.push_back({it->second, std::log(r) * (p.k3 + 1) * wqf / (p.k3 + wqf) * (p.k1 + 1)});
  }
  std::vector<ScanHit> hits;
  for (uint32_t d = 0; d < index.docs.size(); ++d) {
    const double L = std::max(index.lengths[d] / index.avg_length, p.min_normlen);
    double score = 0;
    bool matched = false;
    for (const auto& [term, wdf] : index.docs[d])
      for (const auto& q : terms)
        if (q.id == term) {
          score += q.weight * wdf / (p.k1 * ((1 - p.b) + p.b * L) + wdf);
          matched = true;
        }
    if (matched) hits.push_back({d, score + 2 * p.k2 * qlen / (1 + L)});
  }
  const size_t k = std::min(top_k, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<long>(k), hits.end(),
                    [](const ScanHit& a, const ScanHit& b) { return a.score != b.score ? a.score > b.score : a.doc < b.doc; });
  hits.resize(k);
  return hits;
}

// ---- the run ------------------------------------------------------------------

struct Args {
  std::string wordnet = "/usr/share/wordnet", work;
  size_t queries = 2000, top_k = 5;
  std::string stemmer = "english";
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "bench_bm25: " << flag << " needs a value\n";
      std::exit(2);
    }
    const std::string value = argv[++i];
    if (flag == "--wordnet") a.wordnet = value;
    else if (flag == "--work") a.work = value;
    else if (flag == "--queries") a.queries = std::stoul(value);
    else if (flag == "--top-k") a.top_k = std::stoul(value);
    else if (flag == "--stemmer") a.stemmer = value;
    else {
      std::cerr << "usage: bench_bm25 [--wordnet DIR] [--work DIR] [--queries N] [--top-k K] [--stemmer S]\n";
      std::exit(2);
    }
  }
  if (a.queries == 0 || a.top_k == 0) {
    std::cerr << "bench_bm25: --queries and --top-k must be at least 1\n";
    std::exit(2);
  }
  return a;
}

int run(const Args& args) {
  std::string work = args.work;
  bool remove_work = false;
  if (work.empty()) {
    std::string pattern = (fs::temp_directory_path() / "ragforge-bench-bm25-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary folder");
    work = pattern;
    remove_work = true;
  }
  fs::create_directories(work);
  const std::string corpus = work + "/wordnet-noun-glosses.jsonl", index_dir = work + "/wordnet.index";

  const std::vector<Passage> passages = read_wordnet_passages(args.wordnet);
  {
    std::ofstream out(corpus, std::ios::binary);
    for (const auto& p : passages)
      out << nlohmann::json{{"id", p.id}, {"title", p.title}, {"text", p.text}}.dump() << "\n";
  }
  const double corpus_mb = static_cast<double>(fs::file_size(corpus)) / 1e6;

  IndexOptions options;
  options.stemmer = args.stemmer;
  const IndexStats built = build_index(corpus, index_dir, options);
  const auto scan_start = Clock::now();
  const ScanIndex scan = build_scan_index(passages, args.stemmer);
  const double scan_build_s = seconds_since(scan_start);
  uint64_t index_bytes = 0;
  for (const auto& e : fs::directory_iterator(index_dir))
    if (e.is_regular_file()) index_bytes += e.file_size();

  const Bm25Index index = Bm25Index::open(index_dir);
  std::vector<std::string> queries;
  std::vector<uint32_t> sources;
  for (size_t i = 0; i < args.queries; ++i) {
    sources.push_back(static_cast<uint32_t>((i * 7919) % passages.size()));
    queries.push_back(passages[sources.back()].title);
  }

  std::vector<std::vector<Hit>> ours(queries.size());
  auto t = Clock::now();
  for (size_t i = 0; i < queries.size(); ++i) ours[i] = index.search(queries[i], static_cast<int64_t>(args.top_k));
  const double ours_s = seconds_since(t);

  Xapian::QueryParser parser = make_query_parser(args.stemmer);
  std::vector<std::vector<ScanHit>> theirs(queries.size());
  t = Clock::now();
  for (size_t i = 0; i < queries.size(); ++i) theirs[i] = scan_search(scan, parser, queries[i], options.bm25, args.top_k);
  const double scan_s = seconds_since(t);

  size_t same = 0, found_source = 0;
  double max_rel = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    bool equal = ours[i].size() == theirs[i].size();
    for (size_t k = 0; equal && k < ours[i].size(); ++k) {
      const auto& mine = ours[i][k];
      const auto& ref = theirs[i][k];
      const double rel = std::fabs(mine.score - ref.score) / std::max(std::fabs(ref.score), 1e-300);
      max_rel = std::max(max_rel, rel);
      equal = mine.id == passages[ref.doc].id && rel <= 1e-9;
    }
    same += equal;
    for (const auto& h : ours[i]) found_source += h.id == passages[sources[i]].id;
  }

  const double n = static_cast<double>(queries.size());
  const auto rate = [](double count, double s) { return s > 0 ? count / s : 0.0; };
  std::printf("corpus   %zu WordNet noun synsets (%s/data.noun): title = words, text = gloss; %.1f MB JSONL\n",
              passages.size(), args.wordnet.c_str(), corpus_mb);
  std::printf("params   BM25 k1=%g k2=%g k3=%g b=%g min_normlen=%g, stemmer %s, top %zu, %zu queries\n",
              options.bm25.k1, options.bm25.k2, options.bm25.k3, options.bm25.b, options.bm25.min_normlen,
              args.stemmer.c_str(), args.top_k, queries.size());
  std::printf("%-44s %10s %12s\n", "", "seconds", "rate");
  std::printf("%-44s %10.3f %9.0f docs/s   (index %.1f MB)\n", "index: ragforge build_index (Xapian glass)",
              built.seconds, rate(static_cast<double>(built.documents), built.seconds),
              static_cast<double>(index_bytes) / 1e6);
  std::printf("%-44s %10.3f %9.0f docs/s\n", "index: baseline in-memory term lists", scan_build_s,
              rate(static_cast<double>(passages.size()), scan_build_s));
  std::printf("%-44s %10.3f %9.0f queries/s (%.3f ms/query)\n", "search: ragforge Bm25Index (Xapian)", ours_s,
              rate(n, ours_s), 1e3 * ours_s / n);
  std::printf("%-44s %10.3f %9.0f queries/s (%.3f ms/query)\n", "search: baseline brute-force BM25 scan", scan_s,
              rate(n, scan_s), 1e3 * scan_s / n);
  std::printf("search speed-up over the scan: %.1fx\n", ours_s > 0 ? scan_s / ours_s : 0.0);
  std::printf("agreement: identical top %zu for %zu/%zu queries (max relative score difference %.1e); "
              "query's own synset in the top %zu for %.1f%%\n",
              args.top_k, same, queries.size(), max_rel, args.top_k, 100.0 * static_cast<double>(found_source) / n);

  nlohmann::ordered_json line{{"bench", "bm25"},
                              {"documents", built.documents},
                              {"corpus_mb", corpus_mb},
                              {"index_mb", static_cast<double>(index_bytes) / 1e6},
                              {"stemmer", args.stemmer},
                              {"top_k", args.top_k},
                              {"queries", queries.size()},
                              {"index_docs_per_s", rate(static_cast<double>(built.documents), built.seconds)},
                              {"baseline_index_docs_per_s", rate(static_cast<double>(passages.size()), scan_build_s)},
                              {"queries_per_s", rate(n, ours_s)},
                              {"baseline_queries_per_s", rate(n, scan_s)},
                              {"identical_top_k", same},
                              {"max_relative_score_difference", max_rel},
                              {"source_in_top_k", static_cast<double>(found_source) / n}};
  std::cout << line.dump() << "\n";
  if (remove_work) fs::remove_all(work);
  return same == queries.size() ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "bench_bm25: " << e.what() << "\n";
    return 1;
  }
}
