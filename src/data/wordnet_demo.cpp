#include "data/wordnet_demo.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <unordered_set>

#include "core/error.h"
#include "data/deterministic_random.h"

namespace ragforge::data {
namespace {

constexpr int kContextEntries = 5;

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool is_simple_word(const std::string& w) {
  return w.size() >= 3 && w.size() <= 12 &&
         std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

int64_t word_count(const std::string& text) {
  std::istringstream in(text);
  std::string w;
  int64_t n = 0;
  while (in >> w) ++n;
  return n;
}

// A data.noun synset line: "offset lex_filenum ss_type w_cnt(hex) word lex_id ... | gloss".
// Returns false for lines that carry no usable entry.
bool parse_synset(const std::string& line, WordnetEntry& out) {
  const size_t bar = line.find(" | ");
  if (line.empty() || line[0] == ' ' || bar == std::string::npos) return false;  // license header
  std::istringstream head(line.substr(0, bar));
  std::string offset, lex_filenum, ss_type, w_cnt, word;
  if (!(head >> offset >> lex_filenum >> ss_type >> w_cnt >> word)) return false;
  const std::string gloss = line.substr(bar + 3);
  std::string definition = trim(gloss.substr(0, gloss.find(';')));
  const int64_t words = word_count(definition);
  if (!is_simple_word(word) || words < 2 || words > kMaxDefinitionWords) return false;
  // Quotes start usage examples; a definition naming its word gives the answer away.
  if (definition.find('"') != std::string::npos || definition.find(word) != std::string::npos)
    return false;
  out = {word, definition};
  return true;
}

}  // namespace

std::vector<WordnetEntry> read_wordnet_nouns(const std::string& dir) {
  const std::string path = dir + "/data.noun";
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot read WordNet's " + path +
                ": install WordNet 3.0 (Debian/Ubuntu: apt-get install wordnet-base, or run "
                "scripts/setup.sh), or "
                "pass --wordnet DIR with the folder holding data.noun");
  std::vector<WordnetEntry> entries;
  std::unordered_set<std::string> seen;
  std::string line;
  while (std::getline(in, line)) {
    WordnetEntry e;
    if (parse_synset(line, e) && seen.insert(e.word).second) entries.push_back(std::move(e));
  }
  if (entries.size() < static_cast<size_t>(kContextEntries) * 10)
    throw Error(path + ": only " + std::to_string(entries.size()) +
                " usable nouns; is it WordNet 3.0's data.noun (package wordnet-base)?");
  return entries;
}

std::string make_wordnet_demo_jsonl(const std::vector<WordnetEntry>& entries, int64_t rows,
                                    uint64_t seed) {
  if (rows < 1) throw Error("--rows must be >= 1, got " + std::to_string(rows));
  if (entries.size() < static_cast<size_t>(kContextEntries))
    throw Error("the WordNet demo needs at least " + std::to_string(kContextEntries) + " entries");
  std::string out;
  char id[32];
  for (int64_t i = 0; i < rows; ++i) {
    std::mt19937_64 rng(mix_seed(seed, static_cast<uint64_t>(i)));
    const size_t target = uniform_index(rng, entries.size());
    std::vector<size_t> context = {target};
    while (context.size() < static_cast<size_t>(kContextEntries)) {
      const size_t d = uniform_index(rng, entries.size());
      const bool clash = std::any_of(context.begin(), context.end(), [&](size_t c) {
        return c == d || entries[c].definition == entries[d].definition;
      });
      if (!clash) context.push_back(d);
    }
    fisher_yates(context, rng);
    std::string prompt = "Context:\n";
    for (size_t k = 0; k < context.size(); ++k)
      prompt += std::to_string(k + 1) + ". " + entries[context[k]].word + ": " +
                entries[context[k]].definition + "\n";
    prompt += "Question: What does \"" + entries[target].word + "\" mean?";
    std::snprintf(id, sizeof id, "wordnet-rag-%05lld", static_cast<long long>(i));
    nlohmann::ordered_json row;
    row["id"] = id;
    row["prompt"] = prompt;
    row["answers"] = {entries[target].definition};
    row["word"] = entries[target].word;
    out += row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  }
  return out;
}

bool is_test_word(const std::string& word) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a: fixed, so the split never moves
  for (unsigned char c : word) h = (h ^ c) * 1099511628211ULL;
  return mix_seed(h) % 5 == 0;
}

std::string make_wordnet_corpus_jsonl(const std::vector<WordnetEntry>& entries) {
  std::string out;
  char id[32];
  for (size_t i = 0; i < entries.size(); ++i) {
    std::snprintf(id, sizeof id, "wordnet-%05zu", i);
    nlohmann::ordered_json row;
    row["id"] = id;
    row["title"] = entries[i].word;
    row["text"] = entries[i].definition;
    out += row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  }
  return out;
}

std::string make_wordnet_questions_jsonl(const std::vector<WordnetEntry>& entries, int64_t rows,
                                         uint64_t seed, DemoSplit split) {
  std::vector<size_t> pool;
  for (size_t i = 0; i < entries.size(); ++i)
    if (is_test_word(entries[i].word) == (split == DemoSplit::Test)) pool.push_back(i);
  if (rows < 1 || static_cast<size_t>(rows) > pool.size())
    throw Error("--rows must be in [1, " + std::to_string(pool.size()) + "] for the " +
                (split == DemoSplit::Test ? "test" : "train") + " split, got " + std::to_string(rows));
  // A seeded permutation of the split's words: row i is its i-th word.
  std::mt19937_64 rng(mix_seed(seed, 0x7175657374696f6eULL));  // "question"
  fisher_yates(pool, rng);
  const char* name = split == DemoSplit::Test ? "test" : "train";
  std::string out;
  char id[48];
  for (int64_t i = 0; i < rows; ++i) {
    const WordnetEntry& e = entries[pool[static_cast<size_t>(i)]];
    std::snprintf(id, sizeof id, "wordnet-q-%s-%05lld", name, static_cast<long long>(i));
    nlohmann::ordered_json row;
    row["id"] = id;
    row["query"] = "What does \"" + e.word + "\" mean?";
    row["answers"] = {e.definition};
    row["word"] = e.word;
    out += row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  }
  return out;
}

}  // namespace ragforge::data
