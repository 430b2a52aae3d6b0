#include "data/step_confidence_demo.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/deterministic_random.h"
#include "data/wordnet_demo.h"

namespace ragforge::data {
namespace {

using nlohmann::ordered_json;

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); }

std::string spaced(std::string word) {
  std::replace(word.begin(), word.end(), '_', ' ');
  return word;
}

// ---- arithmetic chains (PRM800K) ----------------------------------------------

ordered_json arithmetic_row(uint64_t seed, int64_t i, int64_t* steps_out) {
  std::mt19937_64 rng(mix_seed(seed, static_cast<uint64_t>(i)));
  const int64_t n_ops = 2 + static_cast<int64_t>(uniform_index(rng, 4));  // 2..5 operations
  int64_t value = 1 + static_cast<int64_t>(uniform_index(rng, 9));
  std::string problem = "Start at " + std::to_string(value);
  std::vector<std::pair<char, int64_t>> ops;
  for (int64_t k = 0; k < n_ops; ++k) {
    const char op = (uniform_index(rng, 2) == 0 || value < 9) ? '+' : '-';
    const int64_t x = 1 + static_cast<int64_t>(uniform_index(rng, 9));
    ops.emplace_back(op, x);
    problem += std::string(k + 1 == n_ops ? ", and " : ", ") + (op == '+' ? "add " : "subtract ") + std::to_string(x);
  }
  problem += ". What is the result?";
  ordered_json steps = ordered_json::array();
  auto push = [&](const std::string& text, int rating) {
    steps.push_back({{"completions", ordered_json::array({{{"text", text}, {"rating", rating}, {"flagged", nullptr}}})},
                     {"human_completion", nullptr},
                     {"chosen_completion", 0}});
  };
  int64_t stated = value;  // what the chain has said so far
  for (const auto& [op, x] : ops) {
    if (uniform01(rng) < 0.2) push("The running total is " + std::to_string(stated) + ".", 0);
    const int64_t right = op == '+' ? stated + x : stated - x;
    int64_t shown = right;
    int rating = 1;
    if (uniform01(rng) < 0.3) {
      const int64_t off = 1 + static_cast<int64_t>(uniform_index(rng, 3));
      shown = right + (uniform_index(rng, 2) == 0 || right - off < 0 ? off : -off);
      rating = -1;
    }
    push(std::to_string(stated) + " " + op + " " + std::to_string(x) + " = " + std::to_string(shown) + ".", rating);
    stated = shown;
  }
  *steps_out += static_cast<int64_t>(steps.size());
  return {{"question", {{"problem", problem}, {"ground_truth_answer", std::to_string(stated)}}},
          {"label", {{"steps", steps}, {"finish_reason", "solution"}}}};
}

// ---- hypernym chains (REVEAL, eQASC) ----------------------------------------------

struct Chain {
  std::vector<std::string> words;  // x0 (the start) .. xk
};

class ChainMaker {
 public:
  explicit ChainMaker(const WordnetNounGraph& g) : g_(g) {
    for (size_t i = 0; i < g.synsets.size(); ++i) by_offset_[g.synsets[i].offset] = i;
    for (size_t e : g.entries) (is_test_word(g.synsets[e].word) ? test_ : train_).push_back(e);
  }

  // Start from a split's entry; walk up first hypernyms (2..5 links).
  Chain chain(bool test, std::mt19937_64& rng) const {
    const auto& pool = test ? test_ : train_;
    for (;;) {
      size_t s = pool[uniform_index(rng, pool.size())];
      Chain c;
      c.words.push_back(spaced(g_.synsets[s].word));
      const size_t want = 3 + uniform_index(rng, 4);
      while (c.words.size() < want && !g_.synsets[s].hypernyms.empty()) {
        auto it = by_offset_.find(g_.synsets[s].hypernyms.front());
        if (it == by_offset_.end()) break;
        s = it->second;
        c.words.push_back(spaced(g_.synsets[s].word));
      }
      if (c.words.size() >= 3) return c;
    }
  }

  std::string random_noun(std::mt19937_64& rng) const {
    return spaced(g_.synsets[g_.entries[uniform_index(rng, g_.entries.size())]].word);
  }

 private:
  const WordnetNounGraph& g_;
  std::unordered_map<std::string, size_t> by_offset_;
  std::vector<size_t> train_, test_;
};

struct LabelledStep {
  std::string text;
  int kind;  // 1 true link, 0 restatement, -1 non sequitur
};

std::vector<LabelledStep> chain_steps(const Chain& c, const ChainMaker& maker, std::mt19937_64& rng) {
  std::vector<LabelledStep> out;
  for (size_t k = 0; k + 1 < c.words.size(); ++k) {
    const double u = uniform01(rng);
    if (k > 0 && u < 0.15) {
      out.push_back({"In other words, a " + c.words[k - 1] + " is a kind of " + c.words[k] + ".", 0});
    } else if (k > 0 && u < 0.35) {
      std::string other = maker.random_noun(rng);
      while (other == c.words[k]) other = maker.random_noun(rng);
      out.push_back({"A " + other + " is a kind of " + c.words[k + 1] + ".", -1});
      continue;
    }
    out.push_back({"A " + c.words[k] + " is a kind of " + c.words[k + 1] + ".", 1});
  }
  return out;
}

std::string reveal_rows(const ChainMaker& maker, uint64_t seed, bool test, int64_t rows, int64_t* steps) {
  std::string out;
  for (int64_t i = 0; i < rows; ++i) {
    std::mt19937_64 rng(mix_seed(seed, static_cast<uint64_t>(i)));
    const Chain c = maker.chain(test, rng);
    const std::string id = std::string(test ? "open-" : "eval-") + std::to_string(i);
    for (const auto& s : chain_steps(c, maker, rng)) {
      const char* label = s.kind == 1 ? "Fully" : s.kind == 0 ? "Partially" : "Contradictory";
      ordered_json row = {{"question_id", id},
                          {"question", "Is a " + c.words.front() + " a kind of " + c.words.back() + "?"},
                          {"step", s.text},
                          {"evidence", ""},
                          {"attribution_label", label}};
      out += row.dump() + "\n";
      ++*steps;
    }
  }
  return out;
}

std::string eqasc_items(const ChainMaker& maker, uint64_t seed, bool test, int64_t rows, int64_t* steps) {
  ordered_json items = ordered_json::array();
  for (int64_t i = 0; i < rows; ++i) {
    std::mt19937_64 rng(mix_seed(seed, static_cast<uint64_t>(i)));
    const Chain c = maker.chain(test, rng);
    ordered_json facts = ordered_json::array();
    for (const auto& s : chain_steps(c, maker, rng)) {
      facts.push_back({{"text", s.text}, {"score", s.kind == 1 ? 88.0 : s.kind == 0 ? 49.0 : 10.0}});
      ++*steps;
    }
    ordered_json choice = {{"label", "A"}, {"text", c.words.back()}, {"chains", ordered_json::array({facts})}};
    items.push_back({{"id", std::string(test ? "test-" : "train-") + std::to_string(i)},
                     {"answerKey", "A"},
                     {"question", {{"stem", "What is a " + c.words.front() + " a kind of?"},
                                   {"choices", ordered_json::array({choice})}}}});
  }
  return items.dump(1) + "\n";
}

}  // namespace

StepConfidenceDemoCounts write_step_confidence_demo(const std::string& dir, const WordnetNounGraph& graph,
                                                    int64_t rows, uint64_t seed) {
  if (rows < 1) throw Error("--rows must be >= 1");
  const ChainMaker maker(graph);
  StepConfidenceDemoCounts n;
  namespace fs = std::filesystem;
  for (const bool test : {false, true}) {
    const int64_t count = test ? std::max<int64_t>(1, rows / 5) : rows;
    const uint64_t s = mix_seed(seed, test ? 1 : 0);
    std::string prm;
    for (int64_t i = 0; i < count; ++i) prm += arithmetic_row(mix_seed(s, 11), i, &n.steps).dump() + "\n";
    fs::create_directories(fs::path(dir) / "prm800k");
    fs::create_directories(fs::path(dir) / "reveal");
    fs::create_directories(fs::path(dir) / "eqasc");
    write_file_atomic((fs::path(dir) / "prm800k" / (test ? "phase2_test.jsonl" : "phase2_train.jsonl")).string(), prm);
    write_file_atomic((fs::path(dir) / "reveal" / (test ? "open.json" : "eval.json")).string(),
                      reveal_rows(maker, mix_seed(s, 22), test, count, &n.steps));
    write_file_atomic((fs::path(dir) / "eqasc" / (test ? "eqasc_test_grc.json" : "eqasc_train_grc.json")).string(),
                      eqasc_items(maker, mix_seed(s, 33), test, count, &n.steps));
    n.rows += 3 * count;
  }
  return n;
}

}  // namespace ragforge::data
