// CLaRa's demo data (`ragforge demo-data --kind clara --out DIR`): rows in the
// formats of the three stages (recipes.md §2.1) built from WordNet 3.0's
// nouns (Debian package wordnet-base), with no download. Every document is a
// dictionary entry, "<word>: <definition>"; a question gives about 60% of the
// definition's content words ("Which word means: deep, red, gemstone?") and
// the short answer is the word, so the gold entry answers it and BM25 over the
// entries finds it often but not always:
//
//   stage1.jsonl     one document; even rows "qa" (question and answers lists:
//                    the word for keywords of its definition, the definition
//                    for the word),
//                    odd rows "paraphrase" (answers[0] restates the entry)
//   stage1_2.jsonl   exactly top_k (5) documents: the gold entry and random
//                    distractors, shuffled; question, answer, pos_index
//   stage2.jsonl     `candidates` (20) documents: the gold entry, BM25's best
//                    other matches for the question (hard negatives), random
//                    fill; shuffled; pos_index
//   eval_processed_with_pos.jsonl  BM25's top `candidates` for the question in
//                    rank order, the gold entry guaranteed among the first
//                    top_k (moved up to place top_k - 1 when BM25 ranked it
//                    lower or missed it); golden_answers, pos_index
//   eval_processed_no_pos.jsonl    BM25's top `candidates` only; pos_index is
//                    the gold's place when BM25 found it, else []
//   corpus.jsonl     every document as {id, title, text} (ids are entry
//                    indices), the corpus BM25 searched
//   rag_fit_{train,eval_with_pos,eval_no_pos}.jsonl  the uncompressed
//                    baseline on the same questions: RAG-FiT rows {id, query,
//                    answers, prompt = "Question: q\nContext:\n" + the stage1_2
//                    row's documents, or an evaluation row's first top_k, one a line}
//
// Training rows ask about train words, evaluation rows about test words
// (is_test_word), so evaluation asks about words never trained on. Row i of a
// file depends only on (seed, file, i) and the retriever.
#pragma once
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "data/wordnet_demo.h"

namespace ragforge::data {

struct ClaraDemoOptions {
  int64_t rows = 1000;      // rows of each training file
  int64_t eval_rows = 200;  // rows of each evaluation file (at most the test words)
  int64_t candidates = 20;  // documents of stage2 and evaluation rows
  int64_t top_k = 5;        // documents of stage1_2 rows (generation_top_k)
  uint64_t seed = 0;
};

// Indices into the entries of the best matches for `query`, best first (BM25
// in the command, retrieval/bm25_index.h; tests may pass their own).
using ClaraDocRetriever =
    std::function<std::vector<int64_t>(const std::string& query, int64_t top_k)>;

// "<word>: <definition>".
std::string clara_demo_document(const WordnetEntry& entry);
// "Which word means: k1, k2, k3?": each content word of the definition
// (definition_content_words, data/wordnet_ranking_demo.h) kept with
// probability 3/5, in order, at least two (all when it has fewer); the whole
// definition when it has none.
std::string clara_demo_question(const WordnetEntry& entry, std::mt19937_64& rng);

struct ClaraDemoFiles {
  std::string stage1, stage1_2, stage2, eval_with_pos, eval_no_pos;  // JSONL, one row per line
  std::string rag_fit_train, rag_fit_eval_with_pos, rag_fit_eval_no_pos;
};
// The corpus for the retriever, {"id": "<index>", "title": word, "text": definition} per entry.
std::string make_clara_demo_corpus(const std::vector<WordnetEntry>& entries);
ClaraDemoFiles make_clara_demo(const std::vector<WordnetEntry>& entries,
                               const ClaraDemoOptions& options, const ClaraDocRetriever& retrieve);
// Writes the eight files into dir (created), each atomically.
void write_clara_demo(const std::string& dir, const ClaraDemoFiles& files);

}  // namespace ragforge::data
