// CLaRa's demo data (data/clara_demo.h, `ragforge demo-data --kind clara`):
// deterministic, the right row counts, every row passes its stage's rules
// (data/clara_rows.h), pos_index points at the asked word's entry, train and
// evaluation words are disjoint, and the real command's BM25 candidates.
#include "data/clara_demo.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "data/clara_rows.h"
#include "data_test_util.h"
#include "support/subprocess.h"

namespace ragforge::data::testing {
namespace {

using ragforge::testing::ragforge_bin;
using ragforge::testing::run_process;

std::vector<nlohmann::json> rows_of(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// 300 made-up entries "wordNNN" with distinct definitions.
std::vector<WordnetEntry> entries() {
  std::vector<WordnetEntry> e;
  for (int i = 0; i < 300; ++i)
    e.push_back({"word" + std::to_string(i), "thing number " + std::to_string(i) + " of a kind"});
  return e;
}

// A stand-in retriever: the entries after the query's length, in order.
std::vector<int64_t> fake_retrieve(const std::string& q, int64_t k) {
  std::vector<int64_t> out;
  for (int64_t j = 0; j < k; ++j) out.push_back((static_cast<int64_t>(q.size()) * 7 + j) % 300);
  return out;
}

ClaraDemoOptions small() {
  ClaraDemoOptions o;
  o.rows = 12, o.eval_rows = 9, o.seed = 3;
  return o;
}

// The word a row asks about, from its answer keys.
std::string gold_word(const ClaraRow& r) { return r.answers.at(0); }

void check_rows(const std::string& text, const std::string& stage, int64_t k, size_t expected_rows,
                size_t expected_docs, bool test_words) {
  const auto rows = rows_of(text);
  ASSERT_EQ(rows.size(), expected_rows) << stage;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<std::string> warnings;
    const auto r =
        parse_clara_row(rows[i], static_cast<int64_t>(i), stage, k, stage + ".jsonl", warnings);
    EXPECT_TRUE(warnings.empty()) << stage << " row " << i;
    EXPECT_EQ(r.docs.size(), expected_docs) << stage << " row " << i;
    if (r.data_type == "paraphrase") continue;
    EXPECT_EQ(is_test_word(gold_word(r)), test_words) << stage << " row " << i;
    for (auto p : r.pos_index)
      EXPECT_EQ(r.docs.at(p).rfind(gold_word(r) + ": ", 0), 0u) << stage << " row " << i;
  }
}

TEST(ClaraDemo, RowsFollowEachStagesRules) {
  const auto f = make_clara_demo(entries(), small(), fake_retrieve);
  check_rows(f.stage1, "stage1", 1, 12, 1, false);
  check_rows(f.stage1_2, "stage1_2", 5, 12, 5, false);
  check_rows(f.stage2, "stage2", 5, 12, 20, false);
  check_rows(f.eval_with_pos, "stage2", 5, 9, 20, true);
  check_rows(f.eval_no_pos, "stage2", 5, 9, 20, true);
  for (const auto& j : rows_of(f.stage1_2)) EXPECT_EQ(j["pos_index"].size(), 1u);
  // The oracle file: the gold entry among the first top_k, the rest in the retriever's order.
  const auto nopos = rows_of(f.eval_no_pos);
  const auto withpos = rows_of(f.eval_with_pos);
  for (size_t r = 0; r < withpos.size(); ++r) {
    ASSERT_EQ(withpos[r]["pos_index"].size(), 1u);
    const int64_t g = withpos[r]["pos_index"][0];
    EXPECT_LT(g, 5);
    if (!nopos[r]["pos_index"].empty() && nopos[r]["pos_index"][0] < 5) {
      EXPECT_EQ(withpos[r]["docs"], nopos[r]["docs"])
          << r;  // the retriever already had it: unchanged
    } else {
      EXPECT_EQ(g, 4) << r;
      for (int k = 0; k < 4; ++k) EXPECT_EQ(withpos[r]["docs"][k], nopos[r]["docs"][k]) << r;
    }
  }
  // The fake retriever never returns these words' entries: no_pos keeps only retrieved ones.
  int64_t with_gold = 0;
  for (const auto& j : rows_of(f.eval_no_pos)) with_gold += !j["pos_index"].empty();
  EXPECT_LT(with_gold, 9);

  // Stage 1 alternates qa (two questions, the word and its definition) and paraphrase rows.
  const auto s1 = rows_of(f.stage1);
  EXPECT_EQ(s1[0]["data_type"], "qa");
  EXPECT_EQ(s1[1]["data_type"], "paraphrase");
  const std::string w = s1[0]["answers"][0];
  const std::string d = s1[0]["answers"][1];
  EXPECT_EQ(s1[0]["docs"][0], w + ": " + d);
  const std::string q = s1[0]["question"][0];
  EXPECT_EQ(q.rfind("Which word means: ", 0), 0u) << q;
  EXPECT_NE(q.find(", "), std::string::npos) << q;  // at least two keywords
  EXPECT_EQ(q.back(), '?');
  EXPECT_EQ(s1[0]["question"][1], "What does \"" + w + "\" mean?");

  // The RAG-FiT baseline sees the same question and the same first top_k documents as plain text.
  const auto rf = rows_of(f.rag_fit_eval_with_pos);
  const auto ev = rows_of(f.eval_with_pos);
  ASSERT_EQ(rf.size(), ev.size());
  for (size_t i = 0; i < rf.size(); ++i) {
    std::string prompt = "Question: " + ev[i]["question"].get<std::string>() + "\nContext:";
    for (int k = 0; k < 5; ++k) prompt += "\n" + ev[i]["docs"][k].get<std::string>();
    EXPECT_EQ(rf[i]["prompt"], prompt) << i;
    EXPECT_EQ(rf[i]["answers"], ev[i]["golden_answers"]) << i;
  }
  EXPECT_EQ(rows_of(f.rag_fit_train).size(), 12u);
  EXPECT_EQ(rows_of(f.rag_fit_eval_no_pos).size(), 9u);
}

TEST(ClaraDemo, SameSeedSameBytesOtherSeedOtherRows) {
  const auto a = make_clara_demo(entries(), small(), fake_retrieve);
  const auto b = make_clara_demo(entries(), small(), fake_retrieve);
  EXPECT_EQ(a.stage1, b.stage1);
  EXPECT_EQ(a.stage1_2, b.stage1_2);
  EXPECT_EQ(a.stage2, b.stage2);
  EXPECT_EQ(a.eval_with_pos, b.eval_with_pos);
  EXPECT_EQ(a.eval_no_pos, b.eval_no_pos);
  auto o = small();
  o.seed = 4;
  const auto c = make_clara_demo(entries(), o, fake_retrieve);
  EXPECT_NE(a.stage1_2, c.stage1_2);
  EXPECT_NE(a.eval_with_pos, c.eval_with_pos);
}

TEST(ClaraDemo, BadOptionsAndRetrieverAreErrors) {
  auto o = small();
  o.eval_rows = 100000;
  EXPECT_THROW(make_clara_demo(entries(), o, fake_retrieve), Error);
  o = small();
  o.candidates = 3;  // fewer than top_k
  EXPECT_THROW(make_clara_demo(entries(), o, fake_retrieve), Error);
  EXPECT_THROW(
      make_clara_demo(entries(), small(),
                      [](const std::string&, int64_t) { return std::vector<int64_t>{300}; }),
      Error);
}

std::string wordnet_dir() { return RAGFORGE_TEST_WORDNET_DIR; }

TEST(ClaraDemo, CommandIsDeterministicWithBm25Candidates) {
  if (!std::ifstream(wordnet_dir() + "/data.noun"))
    GTEST_SKIP() << wordnet_dir()
                 << "/data.noun is missing: install the Debian package wordnet-base";
  ScratchDir dir;
  const std::vector<std::string> files = {"stage1.jsonl",
                                          "stage1_2.jsonl",
                                          "stage2.jsonl",
                                          "eval_processed_with_pos.jsonl",
                                          "eval_processed_no_pos.jsonl",
                                          "corpus.jsonl",
                                          "rag_fit_train.jsonl",
                                          "rag_fit_eval_with_pos.jsonl",
                                          "rag_fit_eval_no_pos.jsonl"};
  for (const auto& out : {dir.path() + "/a", dir.path() + "/b"}) {
    const auto r =
        run_process({ragforge_bin(), "demo-data", "--kind", "clara", "--out", out, "--rows", "20",
                     "--eval-rows", "10", "--seed", "5", "--wordnet", wordnet_dir()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("wrote CLaRa rows under " + out), std::string::npos) << r.err;
  }
  for (const auto& f : files) {
    EXPECT_FALSE(read_file(dir.path() + "/a/" + f).empty()) << f;
    EXPECT_EQ(read_file(dir.path() + "/a/" + f), read_file(dir.path() + "/b/" + f)) << f;
  }
  const std::string a = dir.path() + "/a/";
  check_rows(read_file(a + "stage1.jsonl"), "stage1", 1, 20, 1, false);
  check_rows(read_file(a + "stage1_2.jsonl"), "stage1_2", 5, 20, 5, false);
  check_rows(read_file(a + "stage2.jsonl"), "stage2", 5, 20, 20, false);
  check_rows(read_file(a + "eval_processed_with_pos.jsonl"), "stage2", 5, 10, 20, true);
  check_rows(read_file(a + "eval_processed_no_pos.jsonl"), "stage2", 5, 10, 20, true);
  // The questions' keywords come from the gold definition, so BM25 finds it for most rows.
  int64_t found = 0;
  for (const auto& j : rows_of(read_file(a + "eval_processed_no_pos.jsonl")))
    found += !j["pos_index"].empty();
  EXPECT_GE(found, 5);
  // One row as written (a regression pin of the format and the seeded choices).
  const std::string s12 = read_file(a + "stage1_2.jsonl");
  EXPECT_EQ(
      s12.substr(0, s12.find('\n')),
      R"({"id":"clara-stage1_2-00000","question":"Which word means: readiness, embark, bold, new, ventures?",)"
      R"("answer":"enterprise","docs":["banking: transacting business with a bank",)"
      R"("benefaction: a contribution of money or assistance",)"
      R"("enterprise: readiness to embark on bold new ventures","hyperon: any baryon that is not a nucleon",)"
      R"("inspection: a formal or official examination"],"pos_index":[2]})");
}

}  // namespace
}  // namespace ragforge::data::testing
