// The demo dataset that `ragforge`'s first command trains on with no
// downloads: RAG-style JSONL built from WordNet 3.0's nouns (Debian package
// wordnet-base, /usr/share/wordnet). Each row's prompt holds a context of five
// numbered "<word>: <definition>" entries (the asked word's among four
// distractors, shuffled) and a question asking what the word means; the
// answer is its definition, copied from the context. A small model learns
// the copy in a few hundred steps, so its loss visibly falls.
//
//   {"id": "wordnet-rag-00000", "prompt": "Context:\n1. ...\n...\nQuestion: What does \"bream\"
//   mean?",
//    "answers": ["flesh of any of various freshwater fishes of the family Cyprinidae"], "word":
//    "bream"}
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ragforge::data {

constexpr const char* kDefaultWordnetDir = "/usr/share/wordnet";

struct WordnetEntry {
  std::string word;        // a single lowercase word
  std::string definition;  // the gloss up to its first ';', at most kMaxDefinitionWords words
};
constexpr int kMaxDefinitionWords = 10;

// Head lemmas of <dir>/data.noun that are single lowercase words with short
// definitions not containing the word; one entry per word (its first synset
// in file order). Throws ragforge::Error naming the package to install when
// the file is missing.
std::vector<WordnetEntry> read_wordnet_nouns(const std::string& dir);

// `rows` JSONL lines (each ending in '\n'). Row i depends only on (seed, i),
// so fewer rows give a prefix of more.
std::string make_wordnet_demo_jsonl(const std::vector<WordnetEntry>& entries, int64_t rows,
                                    uint64_t seed);

// The retrieval demo (experiments/rag_fit_demo): a passage corpus for
// `ragforge index` and questions with no context, whose context a Retriever
// step finds. Words are split for good into train and test by a hash of the
// word (a fifth are test words), so a model trained on train questions is
// scored on words it never saw.
//
//   corpus:    {"id": "wordnet-00042", "title": "bream", "text": "flesh of any of ..."}
//   questions: {"id": "wordnet-q-train-00000", "query": "What does \"bream\" mean?",
//               "answers": ["flesh of any of ..."], "word": "bream"}
enum class DemoSplit { Train, Test };
bool is_test_word(const std::string& word);
// Every entry, in file order.
std::string make_wordnet_corpus_jsonl(const std::vector<WordnetEntry>& entries);
// `rows` questions about distinct words of the split (row i depends only on
// seed and i, as above); more rows than the split has words is an error.
std::string make_wordnet_questions_jsonl(const std::vector<WordnetEntry>& entries, int64_t rows,
                                         uint64_t seed, DemoSplit split);

}  // namespace ragforge::data
