// `ragforge demo-data --kind ranking` (data/wordnet_ranking_demo.h): the
// BlockRank demo rows are deterministic (pinned sha256), hold N documents with
// the answer among them, read cleanly with BlockRank's row reader, match their
// qrels, keep documents short with the tiny model's tokenizer, and carry hard
// negatives that share query words without matching the whole query.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "data/qrels.h"
#include "data/ranking_rows.h"
#include "data/wordnet_ranking_demo.h"
#include "data_test_util.h"
#include "support/subprocess.h"

namespace ragforge::data::testing {
namespace {

using ragforge::testing::ragforge_bin;
using ragforge::testing::read_file;
using ragforge::testing::run_process;

std::string wordnet_dir() { return RAGFORGE_TEST_WORDNET_DIR; }

#define RAGFORGE_REQUIRE_WORDNET()                  \
  if (!std::ifstream(wordnet_dir() + "/data.noun")) \
  GTEST_SKIP() << wordnet_dir() << "/data.noun is missing: install the Debian package wordnet-base"

// Ordered, so the test sees the file's key order.
std::vector<nlohmann::ordered_json> rows_of(const std::string& text) {
  std::vector<nlohmann::ordered_json> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::ordered_json::parse(line));
  return rows;
}

// Runs `ragforge demo-data --kind ranking --wordnet DIR <args>`.
ragforge::testing::ProcessResult demo(std::vector<std::string> args) {
  std::vector<std::string> argv = {ragforge_bin(), "demo-data", "--kind", "ranking", "--wordnet", wordnet_dir()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

std::string sha256_of(const std::string& path) {
  const auto r = run_process({"sha256sum", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 64);
}

std::set<std::string> lowered(const std::vector<std::string>& words) {
  std::set<std::string> out;
  for (auto w : words) {
    for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.insert(w);
  }
  return out;
}

TEST(RankingDemo, SameFlagsGiveTheSameBytesAndFewerRowsAPrefix) {
  RAGFORGE_REQUIRE_WORDNET();
  ScratchDir dir;
  const std::string a = dir.path() + "/a.jsonl", b = dir.path() + "/b.jsonl";
  for (const auto& out : {a, b}) {
    const auto r = demo({"--split", "test", "--rows", "40", "--seed", "3", "--out", out, "--qrels", out + ".qrels"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "wrote 40 rows to " + out + " (ranking, test, 10 documents each");
  }
  EXPECT_EQ(read_file(a), read_file(b));
  EXPECT_EQ(read_file(a + ".qrels"), read_file(b + ".qrels"));
  // Pinned: a change to the parser, filters or sampling shows here.
  EXPECT_EQ(sha256_of(a), "7e4c1c5f9551e0fd52622c4d2424b6cafaef963eb366bf6ae5286ecf21a9e3b0");
  EXPECT_EQ(sha256_of(a + ".qrels"), "be0d8af149c62244394d09154d3ae6c76c651b1ba379ebb5d059ba63772f5d3d");
  const std::string c = dir.path() + "/c.jsonl", d = dir.path() + "/d.jsonl";
  ASSERT_EQ(demo({"--split", "test", "--rows", "15", "--seed", "3", "--out", c}).exit_code, 0);
  EXPECT_EQ(read_file(a).substr(0, read_file(c).size()), read_file(c));
  ASSERT_EQ(demo({"--split", "test", "--rows", "40", "--seed", "4", "--out", d}).exit_code, 0);
  EXPECT_NE(read_file(a), read_file(d));
}

TEST(RankingDemo, RowsHoldNDocumentsWithTheAnswerAndReadAsBlockRankRows) {
  RAGFORGE_REQUIRE_WORDNET();
  ScratchDir dir;
  const std::string out = dir.path() + "/train.jsonl";
  ASSERT_EQ(demo({"--rows", "300", "--docs", "7", "--out", out}).exit_code, 0);
  const auto rows = rows_of(read_file(out));
  ASSERT_EQ(rows.size(), 300u);
  EXPECT_EQ(rows[0]["query_id"], "wordnet-rank-train-00000");
  EXPECT_EQ(rows[299]["query_id"], "wordnet-rank-train-00299");
  int64_t rows_with_hard_negative = 0;
  std::vector<int> answer_position(7, 0);
  for (const auto& row : rows) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : row.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"query", "query_id", "documents", "answer_ids"}));
    ASSERT_EQ(row["documents"].size(), 7u);
    ASSERT_EQ(row["answer_ids"].size(), 1u);
    const std::string answer = row["answer_ids"][0], query = row["query"];
    const auto keywords = lowered(definition_content_words(query));
    ASSERT_GE(keywords.size(), 2u) << query;
    std::set<std::string> ids, texts;
    int found = 0;
    bool hard = false;
    for (size_t j = 0; j < row["documents"].size(); ++j) {
      const auto& doc = row["documents"][j];
      const std::string id = doc["doc_id"], title = doc["title"], text = doc["text"];
      EXPECT_TRUE(ids.insert(id).second) << "repeated doc id " << id;
      EXPECT_TRUE(texts.insert(text).second) << "repeated text " << text;
      EXPECT_NE(text, query);
      const auto words = lowered(definition_content_words(text));
      size_t shared = 0;
      for (const auto& k : keywords) shared += words.count(k);
      EXPECT_EQ(keywords.count(title), 0u) << title << " is titled by a query word: " << query;
      if (id == answer) {
        ++found;
        ++answer_position[j];
        EXPECT_EQ(shared, keywords.size()) << query << " | " << text;  // every keyword is in the answer
        EXPECT_EQ(text.find(title), std::string::npos);                // the definition never names its word
      } else {
        EXPECT_LT(shared, keywords.size()) << "negative " << text << " matches all of " << query;
        hard = hard || shared > 0;
      }
    }
    EXPECT_EQ(found, 1) << row;
    rows_with_hard_negative += hard;
  }
  // Not trivial: most rows have a negative sharing a query word.
  EXPECT_GT(rows_with_hard_negative, 150) << rows_with_hard_negative;
  // The answer's position is shuffled: every slot is used.
  for (int n : answer_position) EXPECT_GT(n, 15);
  // BlockRank's reader takes the file as it is: no dropped answers or repeated ids.
  const RankingRows read = read_ranking_rows(out, "data.data_path");
  ASSERT_EQ(read.rows.size(), 300u);
  EXPECT_EQ(read.report.dropped_answer_ids, 0);
  EXPECT_EQ(read.report.duplicate_doc_ids, 0);
  EXPECT_EQ(read.rows[0].documents[0].text,
            rows[0]["documents"][0]["title"].get<std::string>() + " " +
                rows[0]["documents"][0]["text"].get<std::string>());
}

TEST(RankingDemo, QrelsMatchTheAnswersAndSplitsAreDisjoint) {
  RAGFORGE_REQUIRE_WORDNET();
  ScratchDir dir;
  const std::string test = dir.path() + "/test.jsonl", train = dir.path() + "/train.jsonl";
  ASSERT_EQ(demo({"--split", "test", "--rows", "200", "--out", test, "--qrels", dir.path() + "/q/test.tsv"}).exit_code, 0);
  ASSERT_EQ(demo({"--split", "train", "--rows", "2000", "--out", train}).exit_code, 0);
  const std::string qrels_text = read_file(dir.path() + "/q/test.tsv");
  EXPECT_EQ(qrels_text.rfind("query-id\tcorpus-id\tscore\n", 0), 0u);
  const Qrels qrels = read_qrels(dir.path() + "/q/test.tsv");
  const auto rows = rows_of(read_file(test));
  ASSERT_EQ(qrels.judged.size(), rows.size());
  for (const auto& row : rows) {
    const auto it = qrels.judged.find(row["query_id"].get<std::string>());
    ASSERT_NE(it, qrels.judged.end()) << row["query_id"];
    EXPECT_EQ(it->second, (std::map<std::string, int>{{row["answer_ids"][0].get<std::string>(), 1}}));
  }
  // Test answers are never train answers (split by a hash of the word).
  std::set<std::string> train_answers;
  for (const auto& row : rows_of(read_file(train))) train_answers.insert(row["answer_ids"][0].get<std::string>());
  EXPECT_EQ(train_answers.size(), 2000u);  // distinct targets
  for (const auto& row : rows) EXPECT_EQ(train_answers.count(row["answer_ids"][0].get<std::string>()), 0u);
}

TEST(RankingDemo, DocumentBlocksStayShortWithTheTinyModelsTokenizer) {
  RAGFORGE_REQUIRE_WORDNET();
  RAGFORGE_LOAD_TOKENIZER(tok, "mistral_v01_sp32k");
  ScratchDir dir;
  const std::string out = dir.path() + "/test.jsonl";
  ASSERT_EQ(demo({"--split", "test", "--rows", "1000", "--out", out}).exit_code, 0);
  size_t longest = 0, longest_query = 0;
  for (const auto& row : read_ranking_rows(out, "data.data_path").rows) {
    for (const auto& doc : row.documents) {
      // A document's block as BlockRank tokenizes it (recipes.md §3.2), with a two-digit id.
      const std::string block = "\nID: 10 | CONTENT: " + doc.text + " | END ID: 10";
      longest = std::max(longest, tok.encode_ids(block, false).size());
    }
    longest_query = std::max(longest_query, tok.encode_ids(row.query, false).size());
  }
  EXPECT_LE(longest, 44u);  // 43 at the time of writing; most are under 36
  EXPECT_LE(longest_query, 24u);
  std::cerr << "longest document block: " << longest << " tokens, longest query: " << longest_query << "\n";
}

TEST(RankingDemo, BadFlagsAreErrorsAndWriteNothing) {
  RAGFORGE_REQUIRE_WORDNET();
  ScratchDir dir;
  const std::string out = dir.path() + "/x.jsonl";
  auto r = demo({"--split", "test", "--rows", "9999999", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "for the test split");
  r = demo({"--docs", "1", "--out", out});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_CONTAINS(r.err, "--docs");
  r = run_process({ragforge_bin(), "demo-data", "--wordnet", wordnet_dir(), "--out", out, "--qrels", out + ".tsv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "--qrels is for --kind ranking only");
  EXPECT_FALSE(std::ifstream(out).good());
  EXPECT_FALSE(std::ifstream(out + ".tsv").good());
  r = run_process({ragforge_bin(), "demo-data", "--kind", "ranking", "--wordnet", dir.path(), "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "apt-get install wordnet-base");
}

TEST(RankingDemo, ContentWordsDropStopWordsAndPunctuation) {
  EXPECT_EQ(definition_content_words("(computer science) the act of storing, the data; of it"),
            (std::vector<std::string>{"computer", "science", "act", "storing", "data"}));
  EXPECT_EQ(definition_content_words("a deep-red garnet used as a gemstone"),
            (std::vector<std::string>{"deep-red", "garnet", "gemstone"}));
}

}  // namespace
}  // namespace ragforge::data::testing
