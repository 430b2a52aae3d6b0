#include "data/wordnet_ranking_demo.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "data/deterministic_random.h"

namespace ragforge::data {
namespace {

constexpr int kMinDefinitionWords = 4;
constexpr size_t kMinContentWords = 3;
constexpr int64_t kMaxDocuments = 50;
constexpr uint64_t kTargetSalt = 0x72616e6b696e6731ULL;  // "ranking1"
constexpr uint64_t kRowSalt = 0x72616e6b726f7773ULL;     // "rankrows"

// Function words and WordNet's hedges: matching them says nothing.
const std::unordered_set<std::string>& stop_words() {
  static const std::unordered_set<std::string> words = {
      "a",    "an",    "the",   "of",    "or",    "and",   "in",         "on",      "to",    "for",
      "with", "by",    "as",    "at",    "from",  "into",  "that",       "which",   "who",   "whom",
      "whose", "is",   "are",   "was",   "be",    "been",  "its",        "it",      "their", "his",
      "her",  "this",  "these", "those", "any",   "some",  "such",       "not",     "but",   "than",
      "has",  "have",  "having", "other", "used", "usually", "especially", "often", "etc",   "e.g.",
      "i.e.", "very",  "more",  "most",  "so",    "also",  "can",        "may",     "being", "one"};
  return words;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_simple_word(const std::string& w) {
  return w.size() >= 3 && w.size() <= 12 &&
         std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

int64_t word_count(const std::string& text) {
  std::istringstream in(text);
  int64_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

// The text without its "(...)" asides (trade names, domains, numbers), which
// make a document long in tokens and say little; "" when they do not balance.
std::string without_asides(const std::string& text) {
  std::string out;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (depth == 0) out += c;
    if (c == ')' && --depth < 0) return "";
  }
  if (depth != 0) return "";
  std::istringstream in(out);
  std::string joined;
  for (std::string w; in >> w;) {
    if (!joined.empty() && w != "," && w[0] != ',') joined += ' ';
    joined += w;
  }
  return joined;
}

// "offset lex_filenum ss_type w_cnt(hex) [word lex_id]... p_cnt [sym offset pos st]... | gloss"
bool parse_synset(const std::string& line, WordnetNounSynset& out) {
  const size_t bar = line.find(" | ");
  if (line.empty() || line[0] == ' ' || bar == std::string::npos) return false;  // license header
  std::istringstream head(line.substr(0, bar));
  std::string lex_filenum, ss_type, w_cnt_hex;
  if (!(head >> out.offset >> lex_filenum >> ss_type >> w_cnt_hex)) return false;
  const long w_cnt = std::strtol(w_cnt_hex.c_str(), nullptr, 16);
  std::string lex_id;
  for (long i = 0; i < w_cnt; ++i) {
    std::string word;
    if (!(head >> word >> lex_id)) return false;
    if (i == 0) out.word = word;
  }
  int p_cnt = 0;
  if (!(head >> p_cnt)) return false;
  out.hypernyms.clear();
  for (int i = 0; i < p_cnt; ++i) {
    std::string symbol, target, pos, source_target;
    if (!(head >> symbol >> target >> pos >> source_target)) return false;
    if ((symbol == "@" || symbol == "@i") && pos == "n") out.hypernyms.push_back(target);
  }
  const std::string gloss = line.substr(bar + 3);
  out.definition = without_asides(trim(gloss.substr(0, gloss.find(';'))));
  return true;
}

bool is_ranking_entry(const WordnetNounSynset& s) {
  const int64_t words = word_count(s.definition);
  return is_simple_word(s.word) && words >= kMinDefinitionWords && words <= kMaxRankingDefinitionWords &&
         s.definition.size() <= kMaxRankingDefinitionChars &&
         s.definition.find('"') == std::string::npos && lower(s.definition).find(s.word) == std::string::npos &&
         definition_content_words(s.definition).size() >= kMinContentWords;
}

// The relations the negatives are drawn from, over the graph's entries.
class Neighbours {
 public:
  explicit Neighbours(const WordnetNounGraph& g) : g_(g) {
    for (size_t i = 0; i < g.synsets.size(); ++i) {
      index_[g.synsets[i].offset] = i;
      for (const auto& h : g.synsets[i].hypernyms) children_[h].push_back(i);
    }
    for (size_t e = 0; e < g.entries.size(); ++e)
      for (const auto& h : g.synsets[g.entries[e]].hypernyms) entry_children_[h].push_back(e);
  }

  // Entries sharing a hypernym with entry e, and entries under another child
  // of a grandparent (cousins); each sorted, disjoint, without e.
  void siblings_and_cousins(size_t e, std::vector<size_t>& siblings, std::vector<size_t>& cousins) const {
    std::set<size_t> sib, cous;
    const auto& parents = g_.synsets[g_.entries[e]].hypernyms;
    for (const auto& h : parents) add(entry_children_, h, sib);
    for (const auto& h : parents) {
      const auto hi = index_.find(h);
      if (hi == index_.end()) continue;
      for (const auto& grand : g_.synsets[hi->second].hypernyms) {
        const auto ci = children_.find(grand);
        if (ci == children_.end()) continue;
        for (size_t c : ci->second) add(entry_children_, g_.synsets[c].offset, cous);
      }
    }
    sib.erase(e);
    for (size_t s : sib) cous.erase(s);
    cous.erase(e);
    siblings.assign(sib.begin(), sib.end());
    cousins.assign(cous.begin(), cous.end());
  }

 private:
  static void add(const std::unordered_map<std::string, std::vector<size_t>>& m, const std::string& key,
                  std::set<size_t>& out) {
    const auto it = m.find(key);
    if (it != m.end()) out.insert(it->second.begin(), it->second.end());
  }

  const WordnetNounGraph& g_;
  std::unordered_map<std::string, size_t> index_;
  std::unordered_map<std::string, std::vector<size_t>> children_;        // offset -> synset indices
  std::unordered_map<std::string, std::vector<size_t>> entry_children_;  // offset -> entry indices
};

// About 60% of the content words (at least 2), in their order.
std::vector<std::string> pick_keywords(const std::vector<std::string>& words, std::mt19937_64& rng) {
  const size_t keep = std::max<size_t>(2, (3 * words.size() + 4) / 5);
  std::vector<int64_t> order = permutation(static_cast<int64_t>(words.size()), rng);
  order.resize(keep);
  std::sort(order.begin(), order.end());
  std::vector<std::string> out;
  for (int64_t i : order) out.push_back(words[static_cast<size_t>(i)]);
  return out;
}

std::string dump_line(const nlohmann::ordered_json& row) {
  return row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::vector<std::string> definition_content_words(const std::string& definition) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  std::istringstream in(definition);
  for (std::string w; in >> w;) {
    size_t b = 0, e = w.size();
    while (b < e && !std::isalnum(static_cast<unsigned char>(w[b]))) ++b;
    while (e > b && !std::isalnum(static_cast<unsigned char>(w[e - 1]))) --e;
    const std::string word = w.substr(b, e - b);
    if (word.empty() || stop_words().count(lower(word)) || !seen.insert(word).second) continue;
    out.push_back(word);
  }
  return out;
}

WordnetNounGraph read_wordnet_noun_graph(const std::string& dir) {
  const std::string path = dir + "/data.noun";
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot read WordNet's " + path +
                ": install WordNet 3.0 (Debian/Ubuntu: apt-get install wordnet-base, or run scripts/setup.sh), "
                "or pass --wordnet DIR with the folder holding data.noun");
  WordnetNounGraph g;
  std::unordered_set<std::string> words;
  std::string line;
  while (std::getline(in, line)) {
    WordnetNounSynset s;
    if (!parse_synset(line, s)) continue;
    if (is_ranking_entry(s) && words.insert(s.word).second) g.entries.push_back(g.synsets.size());
    g.synsets.push_back(std::move(s));
  }
  if (g.entries.size() < 1000)
    throw Error(path + ": only " + std::to_string(g.entries.size()) +
                " usable nouns; is it WordNet 3.0's data.noun (package wordnet-base)?");
  return g;
}

RankingDemo make_wordnet_ranking_demo(const WordnetNounGraph& g, int64_t rows, int64_t documents, uint64_t seed,
                                      DemoSplit split) {
  if (documents < 2 || documents > kMaxDocuments)
    throw Error("--docs must be in [2, " + std::to_string(kMaxDocuments) + "], got " + std::to_string(documents));
  std::vector<size_t> targets;
  for (size_t e = 0; e < g.entries.size(); ++e)
    if (is_test_word(g.synsets[g.entries[e]].word) == (split == DemoSplit::Test)) targets.push_back(e);
  const char* name = split == DemoSplit::Test ? "test" : "train";
  if (rows < 1 || static_cast<size_t>(rows) > targets.size())
    throw Error("--rows must be in [1, " + std::to_string(targets.size()) + "] for the " + name +
                " split, got " + std::to_string(rows));
  std::mt19937_64 order_rng(mix_seed(seed, kTargetSalt));
  fisher_yates(targets, order_rng);

  const Neighbours neighbours(g);
  const auto n_docs = static_cast<size_t>(documents);
  const size_t hard_quota = n_docs / 2;  // of the n_docs - 1 negatives
  RankingDemo out;
  out.qrels = "query-id\tcorpus-id\tscore\n";
  char id[48];
  for (int64_t i = 0; i < rows; ++i) {
    std::mt19937_64 rng(mix_seed(mix_seed(seed, kRowSalt), static_cast<uint64_t>(i)));
    const size_t target = targets[static_cast<size_t>(i)];
    const WordnetNounSynset& t = g.synsets[g.entries[target]];
    const std::vector<std::string> keywords = pick_keywords(definition_content_words(t.definition), rng);

    std::vector<size_t> chosen = {target};
    std::unordered_set<std::string> definitions = {t.definition};
    // A negative must differ in text, must not be titled by a keyword and
    // must not hold every keyword, so the answer stays the one best match.
    auto try_add = [&](size_t e) {
      const WordnetNounSynset& s = g.synsets[g.entries[e]];
      if (std::find(chosen.begin(), chosen.end(), e) != chosen.end() || definitions.count(s.definition)) return;
      if (std::any_of(keywords.begin(), keywords.end(), [&](const std::string& k) { return lower(k) == s.word; }))
        return;  // its title would match the query
      std::unordered_set<std::string> words;
      for (const auto& w : definition_content_words(s.definition)) words.insert(lower(w));
      if (std::all_of(keywords.begin(), keywords.end(), [&](const std::string& k) { return words.count(lower(k)); }))
        return;
      chosen.push_back(e);
      definitions.insert(s.definition);
    };
    std::vector<size_t> siblings, cousins;
    neighbours.siblings_and_cousins(target, siblings, cousins);
    fisher_yates(siblings, rng);
    fisher_yates(cousins, rng);
    for (const auto* pool : {&siblings, &cousins})
      for (size_t k = 0; k < pool->size() && chosen.size() < 1 + hard_quota; ++k) try_add((*pool)[k]);
    for (int64_t tries = 0; chosen.size() < n_docs; ++tries) {
      if (tries > 1000 * documents) throw Error("the WordNet ranking demo cannot find enough distinct documents");
      try_add(uniform_index(rng, g.entries.size()));
    }
    fisher_yates(chosen, rng);

    nlohmann::ordered_json row;
    std::string query;
    for (const auto& k : keywords) query += (query.empty() ? "" : " ") + k;
    std::snprintf(id, sizeof id, "wordnet-rank-%s-%05lld", name, static_cast<long long>(i));
    row["query"] = query;
    row["query_id"] = id;
    row["documents"] = nlohmann::ordered_json::array();
    for (size_t e : chosen) {
      const WordnetNounSynset& s = g.synsets[g.entries[e]];
      nlohmann::ordered_json doc;
      doc["doc_id"] = "wn-" + s.offset;
      doc["title"] = s.word;
      doc["text"] = s.definition;
      row["documents"].push_back(std::move(doc));
    }
    row["answer_ids"] = {"wn-" + t.offset};
    out.jsonl += dump_line(row);
    out.qrels += std::string(id) + "\twn-" + t.offset + "\t1\n";
  }
  return out;
}

}  // namespace ragforge::data
