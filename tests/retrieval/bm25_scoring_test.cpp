// Bm25Index scores against Xapian's BM25 formula computed by hand
// (retrieval/bm25_index.h states it), ranking, ties, top_k, stemming, and
// what a hit carries.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "retrieval/bm25_index.h"
#include "support/scratch_dir.h"

namespace ragforge::retrieval {
namespace {

using ragforge::testing::ScratchDir;

// ---- the hand computation --------------------------------------------------
// The tiny corpus below, tokenised by hand (lowercased words of title + text,
// no stemming). len is the document's word count.
//
//   a  "Cat facts" + "the cat sat on the mat"       len 8   cat 2, the 2, mat 1
//   b  "a dog chased the cat around the big red barn" len 10  cat 1, dog 1, the 2
//   c  "dog"                                          len 1   dog 1
//   d  "Birds" + "birds sing in the morning"         len 6   the 1
//   e  "cat cat cat dog"                              len 4   cat 3, dog 1
//
// N = 5, avglen = 29 / 5 = 5.8; documents containing: cat 3, dog 3, the 3, mat 1.
const char* kTinyCorpus =
    R"({"id": "a", "title": "Cat facts", "text": "the cat sat on the mat"})"
    "\n"
    R"({"id": "b", "title": "", "text": "a dog chased the cat around the big red barn"})"
    "\n"
    R"({"id": "c", "text": "dog"})"
    "\n\n"  // a blank line is no document
    R"({"id": "d", "title": "Birds", "text": "birds sing in the morning"})"
    "\n"
    R"({"id": "e", "title": "", "text": "cat cat cat dog"})"
    "\n";

struct DocStats {
  double len;
  std::map<std::string, double> wdf;
};
const std::map<std::string, DocStats> kTinyStats = {
    {"a", {8, {{"cat", 2}, {"the", 2}, {"mat", 1}}}},
    {"b", {10, {{"cat", 1}, {"dog", 1}, {"the", 2}}}},
    {"c", {1, {{"dog", 1}}}},
    {"d", {6, {{"the", 1}}}},
    {"e", {4, {{"cat", 3}, {"dog", 1}}}},
};
constexpr double kN = 5, kAvgLen = 29.0 / 5;
const std::map<std::string, double> kDocFreq = {{"cat", 3}, {"dog", 3}, {"the", 3}, {"mat", 1}};

// Xapian's BM25Weight for one document and a query given as term -> wqf:
//   idf    = ln(r), r = (N - n + 0.5) / (n + 0.5), r -> r / 2 + 1 when r < 2
//   Q      = (k3 + 1) wqf / (k3 + wqf)
//   L      = max(len / avglen, min_normlen)
//   score  = sum idf * Q * (k1 + 1) wdf / (k1 ((1 - b) + b L) + wdf)  +  2 k2 qlen / (1 + L)
double hand_bm25(const std::string& doc, const std::map<std::string, double>& query, const Bm25Params& p) {
  const DocStats& d = kTinyStats.at(doc);
  const double L = std::max(d.len / kAvgLen, p.min_normlen);
  double score = 0, qlen = 0;
  for (const auto& [term, wqf] : query) {
    qlen += wqf;
    const auto wdf_it = d.wdf.find(term);
    if (wdf_it == d.wdf.end()) continue;
    const double n = kDocFreq.at(term), wdf = wdf_it->second;
    double r = (kN - n + 0.5) / (n + 0.5);
    if (r < 2) r = r / 2 + 1;
    const double idf = std::log(r);
    const double q = (p.k3 + 1) * wqf / (p.k3 + wqf);
    score += idf * q * (p.k1 + 1) * wdf / (p.k1 * ((1 - p.b) + p.b * L) + wdf);
  }
  return score + 2 * p.k2 * qlen / (1 + L);
}

#define EXPECT_REL_NEAR(actual, expected)                                                  \
  EXPECT_NEAR((actual), (expected), 1e-9 * std::max(std::fabs(expected), 1e-300))          \
      << "actual " << (actual) << " expected " << (expected)

std::vector<std::string> ids_of(const std::vector<Hit>& hits) {
  std::vector<std::string> ids;
  for (const auto& h : hits) ids.push_back(h.id);
  return ids;
}

// Builds the tiny corpus with `params`, no stemming, and opens it.
Bm25Index tiny_index(const ScratchDir& dir, const Bm25Params& params, const std::string& name = "tiny.index") {
  IndexOptions options;
  options.bm25 = params;
  options.stemmer = "none";
  const IndexStats stats = build_index(dir.write("tiny.jsonl", kTinyCorpus), dir.path() + "/" + name, options);
  EXPECT_EQ(stats.documents, 5);
  EXPECT_GT(stats.seconds, 0);
  return Bm25Index::open(dir.path() + "/" + name);
}

void expect_hand_scores(const Bm25Index& index, const std::string& query_text,
                        const std::map<std::string, double>& query, const Bm25Params& p,
                        const std::vector<std::string>& expected_order) {
  const auto hits = index.search(query_text, 10);
  ASSERT_EQ(ids_of(hits), expected_order) << "query: " << query_text;
  for (const auto& h : hits) {
    SCOPED_TRACE("query '" + query_text + "', doc " + h.id);
    EXPECT_REL_NEAR(h.score, hand_bm25(h.id, query, p));
  }
}

// ---- scores ------------------------------------------------------------------

TEST(Bm25Scoring, ClassicParametersMatchTheHandComputedFormula) {
  ScratchDir dir;
  const Bm25Params classic;  // k1 1.2, k2 0, k3 1, b 0.75, min_normlen 0.5
  const Bm25Index index = tiny_index(dir, classic);
  EXPECT_EQ(index.size(), 5);
  // cat and dog are in 3 of 5 documents: r = 2.5 / 3.5 < 2, so r = 1.357...
  // c ("dog", len 1) has len / avglen = 0.17 and counts as min_normlen 0.5.
  expect_hand_scores(index, "cat dog", {{"cat", 1}, {"dog", 1}}, classic, {"e", "b", "c", "a"});
  expect_hand_scores(index, "dog", {{"dog", 1}}, classic, {"c", "e", "b"});
  // mat is in one document: r = 4.5 / 1.5 = 3, idf = ln 3.
  expect_hand_scores(index, "mat", {{"mat", 1}}, classic, {"a"});
  const auto mat = index.search("mat", 1);
  ASSERT_EQ(mat.size(), 1u);
  EXPECT_REL_NEAR(mat[0].score, std::log(3.0) * 2.2 * 1 / (1.2 * (0.25 + 0.75 * (8 / 5.8)) + 1));
}

TEST(Bm25Scoring, XapianDefaultParametersRankDifferently) {
  ScratchDir dir;
  const Bm25Params xapian{1.0, 0.0, 1.0, 0.5, 0.5};
  const Bm25Index index = tiny_index(dir, xapian);
  EXPECT_DOUBLE_EQ(index.options().bm25.k1, 1.0);
  EXPECT_DOUBLE_EQ(index.options().bm25.b, 0.5);
  // With less length normalisation a (len 8, cat twice) overtakes c (len 1).
  expect_hand_scores(index, "cat dog", {{"cat", 1}, {"dog", 1}}, xapian, {"e", "b", "a", "c"});
}

TEST(Bm25Scoring, RepeatedQueryWordsSaturateThroughK3AndK2AddsItsTerm) {
  ScratchDir dir;
  const Bm25Params p{1.5, 0.8, 2.0, 0.6, 0.3};
  const Bm25Index index = tiny_index(dir, p);
  // "cat cat mat": cat with wqf 2 (Q = 3 * 2 / 4 = 1.5), mat wqf 1, qlen 3.
  expect_hand_scores(index, "cat cat mat", {{"cat", 2}, {"mat", 1}}, p, {"e", "a", "b"});
  // Case and punctuation do not change the terms.
  const auto a = index.search("CAT, cat... Mat!", 10);
  const auto b = index.search("cat cat mat", 10);
  ASSERT_EQ(ids_of(a), ids_of(b));
  for (size_t i = 0; i < a.size(); ++i) EXPECT_DOUBLE_EQ(a[i].score, b[i].score);
}

// ---- ranking, ties, top_k ---------------------------------------------------

TEST(Bm25Scoring, EqualScoresKeepCorpusOrder) {
  ScratchDir dir;
  const std::string corpus = dir.write("ties.jsonl",
                                       R"({"id": "z", "text": "same words"})"
                                       "\n"
                                       R"({"id": "other", "text": "different text here"})"
                                       "\n"
                                       R"({"id": "y", "text": "same words"})"
                                       "\n"
                                       R"({"id": "x", "text": "words same"})"
                                       "\n");
  build_index(corpus, dir.path() + "/ties.index");
  const auto index = Bm25Index::open(dir.path() + "/ties.index");
  const auto hits = index.search("same", 10);
  EXPECT_EQ(ids_of(hits), (std::vector<std::string>{"z", "y", "x"}));
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].score, hits[1].score);
  EXPECT_EQ(hits[1].score, hits[2].score);
}

TEST(Bm25Scoring, TopKCutsTheRanking) {
  ScratchDir dir;
  const Bm25Index index = tiny_index(dir, Bm25Params{});
  EXPECT_EQ(ids_of(index.search("the", 10)), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(ids_of(index.search("the", 2)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ids_of(index.search("the", 1)), (std::vector<std::string>{"a"}));
  EXPECT_EQ(index.search("the cat dog mat", 1000).size(), 5u);  // more than the index holds
  EXPECT_TRUE(index.search("zebra", 5).empty());
  EXPECT_TRUE(index.search("", 5).empty());
  EXPECT_TRUE(index.search(" ?! ... ", 5).empty());
  EXPECT_THROW(index.search("cat", 0), Error);
}

TEST(Bm25Scoring, QueriesAreWordsNotOperators) {
  ScratchDir dir;
  const Bm25Index index = tiny_index(dir, Bm25Params{});
  // No boolean operators, +/-, phrases: every word is an OR-ed term.
  EXPECT_EQ(ids_of(index.search("mat AND NOT -dog", 10)), ids_of(index.search("mat and not dog", 10)));
  EXPECT_EQ(ids_of(index.search("\"mat dog\"", 10)), ids_of(index.search("mat dog", 10)));
  EXPECT_EQ(index.search("cat-dog", 10).size(), 4u);  // OR, not the phrase "cat dog"
}

// ---- stemming ------------------------------------------------------------------

TEST(Bm25Scoring, EnglishStemmingMatchesWordForms) {
  ScratchDir dir;
  const std::string corpus = dir.write("stem.jsonl",
                                       R"({"id": "run", "title": "Running", "text": "she was running in the park"})"
                                       "\n"
                                       R"({"id": "walk", "title": "", "text": "walking the dog"})"
                                       "\n");
  build_index(corpus, dir.path() + "/english.index");  // stemmer english is the default
  const auto english = Bm25Index::open(dir.path() + "/english.index");
  EXPECT_EQ(english.options().stemmer, "english");
  const auto hits = english.search("runs", 5);
  ASSERT_EQ(ids_of(hits), (std::vector<std::string>{"run"}));
  // Only stems are indexed, so len is the word count: run wdf 2, len 7;
  // walk len 3; avglen 5. run is in 1 of 2 documents: r = 1.5 / 1.5 = 1 -> 1.5.
  const double L = 7.0 / 5, k1 = 1.2, b = 0.75;
  EXPECT_REL_NEAR(hits[0].score, std::log(1.5) * (k1 + 1) * 2 / (k1 * ((1 - b) + b * L) + 2));
  EXPECT_EQ(ids_of(english.search("walked dogs", 5)), (std::vector<std::string>{"walk"}));

  IndexOptions none;
  none.stemmer = "none";
  build_index(corpus, dir.path() + "/plain.index", none);
  const auto plain = Bm25Index::open(dir.path() + "/plain.index");
  EXPECT_TRUE(plain.search("runs", 5).empty());
  EXPECT_EQ(ids_of(plain.search("running", 5)), (std::vector<std::string>{"run"}));
}

// ---- hits and the index object ------------------------------------------------

TEST(Bm25Scoring, HitsCarryIdTitleAndContent) {
  ScratchDir dir;
  const std::string corpus = dir.write("fields.jsonl",
                                       R"({"id": 42, "title": "Zürich", "text": "Zürich liegt am See.\nZweite Zeile", "url": "ignored"})"
                                       "\n"
                                       R"({"id": "s-1", "text": "no title here"})"
                                       "\n");
  build_index(corpus, dir.path() + "/f.index");
  auto index = Bm25Index::open(dir.path() + "/f.index");
  auto hits = index.search("zürich", 5);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "42");
  EXPECT_EQ(hits[0].title, "Zürich");
  EXPECT_EQ(hits[0].content, "Zürich liegt am See.\nZweite Zeile");
  EXPECT_GT(hits[0].score, 0);
  hits = index.search("title", 5);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, "s-1");
  EXPECT_EQ(hits[0].title, "");

  // Movable: the moved-to object searches, the moved-from one says so.
  Bm25Index moved = std::move(index);
  EXPECT_EQ(moved.search("zürich", 5).size(), 1u);
  EXPECT_THROW(index.size(), Error);  // NOLINT(bugprone-use-after-move): the point of the check
  EXPECT_EQ(moved.corpus(), std::filesystem::absolute(corpus).lexically_normal().string());
  EXPECT_EQ(moved.directory(), dir.path() + "/f.index");
}

}  // namespace
}  // namespace ragforge::retrieval
