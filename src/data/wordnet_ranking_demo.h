// The BlockRank demo data (`ragforge demo-data --kind ranking`): in-context
// ranking rows built from WordNet 3.0's nouns (package wordnet-base), in the
// original's JSONL format (data/ranking_rows.h):
//
//   {"query": "deep red gemstone", "query_id": "wordnet-rank-test-00000",
//    "documents": [{"doc_id": "wn-14704488", "title": "pyrope",
//                   "text": "a deep red garnet used as a gemstone"}, ...],
//    "answer_ids": ["wn-14704488"]}
//
// Each document is a dictionary entry: a word and its definition (the gloss
// up to its first ';', without "(...)" asides). The query is a keyword query
// for one of them: about 60% of the definition's content words, in order, so
// it is never the document's text and shares no word with the title. Finding
// the answer is lexical matching, which a small model trained from scratch
// can plausibly learn by attending from the answer position to the document
// whose tokens match the query (what the auxiliary attention loss trains);
// matching meaning, e.g. a gloss against example sentences, is out of its
// reach. It is not trivial: up to half of the negatives are hard, definitions
// of sibling synsets (the same hypernym, else the same grandparent) sharing
// vocabulary with the answer ("a deep red garnet consisting of iron aluminum
// silicate"); the rest are random. No negative contains every query keyword
// or is titled by one.
//
// Targets split into train and test by is_test_word (data/wordnet_demo.h), so
// test queries ask for words never answered in training. Row i's target is
// the i-th word of a seeded permutation of the split; its documents, order and
// keywords depend only on (seed, i): fewer rows give a prefix of more.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/wordnet_demo.h"

namespace ragforge::data {

struct WordnetNounSynset {
  std::string offset;                 // 8 digits, the synset's id in data.noun
  std::string word;                   // its first lemma
  std::string definition;             // the gloss up to its first ';', without "(...)" asides
  std::vector<std::string> hypernyms;  // offsets of its @ and @i pointers
};

struct WordnetNounGraph {
  std::vector<WordnetNounSynset> synsets;  // every noun synset, file order
  // Indices into synsets of the ranking demo's entries: single lowercase
  // words (3-12 letters, first synset per word), definitions of 4 to
  // kMaxRankingDefinitionWords words and at most kMaxRankingDefinitionChars
  // bytes, with >= 3 content words, no quotes, not naming the word.
  std::vector<size_t> entries;
};
constexpr int kMaxRankingDefinitionWords = 12;
constexpr size_t kMaxRankingDefinitionChars = 56;  // keeps a document block within ~40 tokens

// Throws ragforge::Error naming the package to install when <dir>/data.noun
// is missing.
WordnetNounGraph read_wordnet_noun_graph(const std::string& dir);

struct RankingDemo {
  std::string jsonl;  // one row per line
  std::string qrels;  // BEIR TSV "query-id\tcorpus-id\tscore", relevance 1 for each answer
};

// `rows` rows of `documents` candidates (2..50) for the split's words.
RankingDemo make_wordnet_ranking_demo(const WordnetNounGraph& graph, int64_t rows, int64_t documents,
                                      uint64_t seed, DemoSplit split);

// The query's keywords drawn from a definition (exposed for tests): the
// content words (stop words and surrounding punctuation dropped), each once.
std::vector<std::string> definition_content_words(const std::string& definition);

}  // namespace ragforge::data
