#include "data/clara_demo.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/deterministic_random.h"
#include "data/wordnet_ranking_demo.h"

namespace ragforge::data {
namespace {

using Json = nlohmann::ordered_json;

// Per-file stream tags, so the files' rows are unrelated draws.
enum FileTag : uint64_t { kStage1 = 1, kStage12 = 2, kStage2 = 3, kEval = 4, kTargets = 5 };

const std::vector<std::string>& paraphrase_patterns() {
  static const std::vector<std::string> p = {
      "\"{w}\" means {d}.", "{D} is what the word \"{w}\" means.", "The noun {w} refers to {d}.",
      "To say {w} is to say {d}."};
  return p;
}

std::string fill(std::string pattern, const WordnetEntry& e) {
  auto put = [&](const std::string& key, const std::string& value) {
    for (size_t at; (at = pattern.find(key)) != std::string::npos;)
      pattern.replace(at, key.size(), value);
  };
  std::string capital = e.definition;
  if (!capital.empty() && capital[0] >= 'a' && capital[0] <= 'z')
    capital[0] = static_cast<char>(capital[0] - 32);
  put("{w}", e.word), put("{d}", e.definition), put("{D}", capital);
  return pattern;
}

std::string row_id(const char* file, int64_t i) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "clara-%s-%05lld", file, static_cast<long long>(i));
  return buf;
}

std::mt19937_64 row_rng(uint64_t seed, FileTag file, int64_t i) {
  return std::mt19937_64(mix_seed(mix_seed(seed, file), static_cast<uint64_t>(i)));
}

// `count` distinct random entries, none of them in `taken` (which they join).
std::vector<int64_t> random_others(std::mt19937_64& rng, size_t n_entries, int64_t count,
                                   std::unordered_set<int64_t>& taken) {
  std::vector<int64_t> out;
  while (static_cast<int64_t>(out.size()) < count) {
    const auto d = static_cast<int64_t>(uniform_index(rng, n_entries));
    if (taken.insert(d).second) out.push_back(d);
  }
  return out;
}

std::vector<std::string> documents(const std::vector<WordnetEntry>& entries,
                                   const std::vector<int64_t>& ids) {
  std::vector<std::string> docs;
  for (auto d : ids) docs.push_back(clara_demo_document(entries[static_cast<size_t>(d)]));
  return docs;
}

int64_t position_of(const std::vector<int64_t>& ids, int64_t d) {
  return std::find(ids.begin(), ids.end(), d) - ids.begin();
}

// The retriever's hits for the question, valid and distinct, at most `limit`.
std::vector<int64_t> retrieved(const ClaraDocRetriever& retrieve, const std::string& query,
                               int64_t limit, size_t n_entries) {
  std::vector<int64_t> out;
  std::unordered_set<int64_t> seen;
  for (auto d : retrieve(query, limit)) {
    if (d < 0 || static_cast<size_t>(d) >= n_entries)
      throw Error("clara demo: the retriever returned document " + std::to_string(d) +
                  ", outside the " + std::to_string(n_entries) + " entries");
    if (seen.insert(d).second && static_cast<int64_t>(out.size()) < limit) out.push_back(d);
  }
  return out;
}

std::string line(const Json& row) { return row.dump() + "\n"; }

// The baseline's row: the same question with the documents as plain text.
std::string rag_fit_line(const std::string& id, const std::string& question,
                         const std::string& answer, const std::vector<std::string>& docs) {
  std::string prompt = "Question: " + question + "\nContext:";
  for (const auto& d : docs) prompt += "\n" + d;
  return line(Json{{"id", id}, {"query", question}, {"answers", {answer}}, {"prompt", prompt}});
}

}  // namespace

std::string clara_demo_document(const WordnetEntry& entry) {
  return entry.word + ": " + entry.definition;
}

std::string clara_demo_question(const WordnetEntry& entry, std::mt19937_64& rng) {
  const auto words = definition_content_words(entry.definition);
  if (words.empty()) return "Which word means: " + entry.definition + "?";
  std::vector<bool> keep(words.size());
  size_t kept = 0;
  for (size_t i = 0; i < words.size(); ++i) kept += (keep[i] = uniform_index(rng, 5) < 3);
  for (size_t i = 0; i < words.size() && kept < std::min<size_t>(2, words.size()); ++i)
    if (!keep[i]) keep[i] = true, ++kept;
  std::string q = "Which word means: ";
  for (size_t i = 0, n = 0; i < words.size(); ++i)
    if (keep[i]) q += (n++ ? ", " : "") + words[i];
  return q + "?";
}

std::string make_clara_demo_corpus(const std::vector<WordnetEntry>& entries) {
  std::string out;
  for (size_t i = 0; i < entries.size(); ++i)
    out += line(Json{
        {"id", std::to_string(i)}, {"title", entries[i].word}, {"text", entries[i].definition}});
  return out;
}

ClaraDemoFiles make_clara_demo(const std::vector<WordnetEntry>& entries, const ClaraDemoOptions& o,
                               const ClaraDocRetriever& retrieve) {
  if (o.rows < 1) throw Error("clara demo: --rows must be at least 1");
  if (o.top_k < 1 || o.candidates < o.top_k)
    throw Error("clara demo: need 1 <= top_k (" + std::to_string(o.top_k) + ") <= candidates (" +
                std::to_string(o.candidates) + ")");
  if (static_cast<int64_t>(entries.size()) < 2 * o.candidates)
    throw Error("clara demo: " + std::to_string(entries.size()) +
                " WordNet entries are too few for " + std::to_string(o.candidates) +
                " candidates per row");
  std::vector<int64_t> train, test;
  for (size_t i = 0; i < entries.size(); ++i)
    (is_test_word(entries[i].word) ? test : train).push_back(static_cast<int64_t>(i));
  if (o.eval_rows < 1 || o.eval_rows > static_cast<int64_t>(test.size()))
    throw Error("clara demo: --eval-rows must be in [1, " + std::to_string(test.size()) +
                "] (the test words), got " + std::to_string(o.eval_rows));
  // Seeded permutations of each split's words: row i asks about the i-th (cycling for train).
  std::mt19937_64 order(mix_seed(o.seed, kTargets));
  fisher_yates(train, order);
  fisher_yates(test, order);
  const size_t n = entries.size();

  ClaraDemoFiles f;
  for (int64_t i = 0; i < o.rows; ++i) {
    const int64_t gold = train[static_cast<size_t>(i) % train.size()];
    const auto& e = entries[static_cast<size_t>(gold)];

    // stage1: one document; qa and paraphrase rows alternate.
    auto rng = row_rng(o.seed, kStage1, i);
    Json s1{{"id", row_id("stage1", i)}};
    if (i % 2 == 0) {
      s1["data_type"] = "qa";
      s1["docs"] = {clara_demo_document(e)};
      s1["question"] = {clara_demo_question(e, rng), "What does \"" + e.word + "\" mean?"};
      s1["answers"] = {e.word, e.definition};
    } else {
      const auto& p = paraphrase_patterns();
      s1["data_type"] = "paraphrase";
      s1["docs"] = {clara_demo_document(e)};
      s1["answers"] = {fill(p[uniform_index(rng, p.size())], e)};
    }
    f.stage1 += line(s1);

    // stage1_2: the gold entry and top_k - 1 random distractors, shuffled.
    rng = row_rng(o.seed, kStage12, i);
    std::string question = clara_demo_question(e, rng);
    std::unordered_set<int64_t> taken = {gold};
    auto five = random_others(rng, n, o.top_k - 1, taken);
    five.push_back(gold);
    fisher_yates(five, rng);
    f.stage1_2 += line(Json{{"id", row_id("stage1_2", i)},
                            {"question", question},
                            {"answer", e.word},
                            {"docs", documents(entries, five)},
                            {"pos_index", {position_of(five, gold)}}});
    f.rag_fit_train +=
        rag_fit_line(row_id("stage1_2", i), question, e.word, documents(entries, five));

    // stage2: the gold entry, BM25's hard negatives, random fill, shuffled.
    rng = row_rng(o.seed, kStage2, i);
    question = clara_demo_question(e, rng);
    std::vector<int64_t> cands = {gold};
    taken = {gold};
    for (auto d : retrieved(retrieve, question, o.candidates, n))
      if (static_cast<int64_t>(cands.size()) < o.candidates && taken.insert(d).second)
        cands.push_back(d);
    const auto fill_in =
        random_others(rng, n, o.candidates - static_cast<int64_t>(cands.size()), taken);
    cands.insert(cands.end(), fill_in.begin(), fill_in.end());
    fisher_yates(cands, rng);
    f.stage2 += line(Json{{"id", row_id("stage2", i)},
                          {"question", question},
                          {"answer", e.word},
                          {"docs", documents(entries, cands)},
                          {"pos_index", {position_of(cands, gold)}}});
  }

  for (int64_t i = 0; i < o.eval_rows; ++i) {
    const int64_t gold = test[static_cast<size_t>(i)];
    const auto& e = entries[static_cast<size_t>(gold)];
    auto rng = row_rng(o.seed, kEval, i);
    const std::string question = clara_demo_question(e, rng);
    auto hits = retrieved(retrieve, question, o.candidates, n);
    // Too few hits still leave top_k documents: random fill after the retrieved ones.
    std::unordered_set<int64_t> taken(hits.begin(), hits.end());
    taken.insert(gold);
    if (static_cast<int64_t>(hits.size()) < o.top_k) {
      const auto more = random_others(rng, n, o.top_k - static_cast<int64_t>(hits.size()), taken);
      hits.insert(hits.end(), more.begin(), more.end());
    }
    const int64_t found = position_of(hits, gold);
    Json no_pos{{"id", row_id("eval", i)},
                {"question", question},
                {"golden_answers", {e.word}},
                {"docs", documents(entries, hits)},
                {"pos_index", Json::array()}};
    if (found < static_cast<int64_t>(hits.size())) no_pos["pos_index"].push_back(found);
    f.eval_no_pos += line(no_pos);
    const std::vector<int64_t> first(hits.begin(), hits.begin() + o.top_k);
    f.rag_fit_eval_no_pos +=
        rag_fit_line(row_id("eval", i), question, e.word, documents(entries, first));

    // The oracle file: the gold entry among the first top_k (moved up to top_k - 1 when BM25
    // ranked it lower or missed it), the rest in BM25's order, `candidates` at most.
    auto with = hits;
    if (found < static_cast<int64_t>(with.size())) with.erase(with.begin() + found);
    with.insert(with.begin() + std::min<int64_t>(found, o.top_k - 1), gold);
    if (static_cast<int64_t>(with.size()) > o.candidates) with.pop_back();
    f.eval_with_pos += line(Json{{"id", row_id("eval", i)},
                                 {"question", question},
                                 {"golden_answers", {e.word}},
                                 {"docs", documents(entries, with)},
                                 {"pos_index", {position_of(with, gold)}}});
    const std::vector<int64_t> first_with(with.begin(), with.begin() + o.top_k);
    f.rag_fit_eval_with_pos +=
        rag_fit_line(row_id("eval", i), question, e.word, documents(entries, first_with));
  }
  return f;
}

void write_clara_demo(const std::string& dir, const ClaraDemoFiles& files) {
  std::filesystem::create_directories(dir);
  write_file_atomic(dir + "/stage1.jsonl", files.stage1);
  write_file_atomic(dir + "/stage1_2.jsonl", files.stage1_2);
  write_file_atomic(dir + "/stage2.jsonl", files.stage2);
  write_file_atomic(dir + "/eval_processed_with_pos.jsonl", files.eval_with_pos);
  write_file_atomic(dir + "/eval_processed_no_pos.jsonl", files.eval_no_pos);
  write_file_atomic(dir + "/rag_fit_train.jsonl", files.rag_fit_train);
  write_file_atomic(dir + "/rag_fit_eval_with_pos.jsonl", files.rag_fit_eval_with_pos);
  write_file_atomic(dir + "/rag_fit_eval_no_pos.jsonl", files.rag_fit_eval_no_pos);
}

}  // namespace ragforge::data
