// `ragforge demo-data`: the WordNet demo dataset is deterministic (pinned
// sha256), each prompt's context holds the asked word with its answer, and a
// missing WordNet names the package to install.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data_test_util.h"
#include "support/subprocess.h"

namespace ragforge::data::testing {
namespace {

using ragforge::testing::ragforge_bin;
using ragforge::testing::run_process;

std::string wordnet_dir() { return RAGFORGE_TEST_WORDNET_DIR; }

#define RAGFORGE_REQUIRE_WORDNET()                  \
  if (!std::ifstream(wordnet_dir() + "/data.noun")) \
  GTEST_SKIP() << wordnet_dir() << "/data.noun is missing: install the Debian package wordnet-base"

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sha256_of(const std::string& path) {
  const auto r = run_process({"sha256sum", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 64);
}

std::vector<nlohmann::json> rows_of(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST(DemoDataCli, OutputIsDeterministicAndPinned) {
  RAGFORGE_REQUIRE_WORDNET();
  ScratchDir dir;
  const std::string a = dir.path() + "/a/demo.jsonl", b = dir.path() + "/b.jsonl";
  for (const auto& out : {a, b}) {
    const auto r = run_process({ragforge_bin(), "demo-data", "--out", out, "--rows", "50", "--seed",
                                "0", "--wordnet", wordnet_dir()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "wrote 50 rows to " + out);
  }
  EXPECT_EQ(read_file(a), read_file(b));
  EXPECT_EQ(sha256_of(a), "da7152a01803322116e2d3362f3ac78916d6db384946b075e2c60d6ee3ece451");
  // Row i depends only on (seed, i): fewer rows are a prefix, another seed differs.
  const std::string c = dir.path() + "/c.jsonl", d = dir.path() + "/d.jsonl";
  ASSERT_EQ(run_process({ragforge_bin(), "demo-data", "--out", c, "--rows", "10", "--wordnet",
                         wordnet_dir()})
                .exit_code,
            0);
  EXPECT_EQ(read_file(a).substr(0, read_file(c).size()), read_file(c));
  ASSERT_EQ(run_process({ragforge_bin(), "demo-data", "--out", d, "--rows", "50", "--seed", "1",
                         "--wordnet", wordnet_dir()})
                .exit_code,
            0);
  EXPECT_NE(read_file(a), read_file(d));
}

TEST(DemoDataCli, EveryPromptHoldsTheAnswerAmongFiveEntries) {
  RAGFORGE_REQUIRE_WORDNET();
  ScratchDir dir;
  const std::string out = dir.path() + "/demo.jsonl";
  ASSERT_EQ(run_process({ragforge_bin(), "demo-data", "--out", out, "--rows", "50", "--wordnet",
                         wordnet_dir()})
                .exit_code,
            0);
  const auto rows = rows_of(read_file(out));
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows[0]["id"], "wordnet-rag-00000");
  EXPECT_EQ(rows[49]["id"], "wordnet-rag-00049");
  for (const auto& row : rows) {
    const std::string prompt = row["prompt"], word = row["word"];
    ASSERT_EQ(row["answers"].size(), 1u);
    const std::string answer = row["answers"][0];
    EXPECT_EQ(prompt.rfind("Context:\n", 0), 0u) << prompt;
    EXPECT_CONTAINS(prompt, ". " + word + ": " + answer + "\n");
    EXPECT_CONTAINS(prompt, "\nQuestion: What does \"" + word + "\" mean?");
    for (int k = 1; k <= 5; ++k) EXPECT_CONTAINS(prompt, "\n" + std::to_string(k) + ". ");
    EXPECT_EQ(prompt.find("\n6. "), std::string::npos);
    std::istringstream words(answer);
    int n = 0;
    for (std::string w; words >> w;) ++n;
    EXPECT_LE(n, 10) << answer;
  }
}

TEST(DemoDataCli, RetrievalCorpusAndQuestionsWithDisjointTrainAndTestWords) {
  RAGFORGE_REQUIRE_WORDNET();
  ScratchDir dir;
  auto make = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {ragforge_bin(), "demo-data", "--wordnet", wordnet_dir()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return rows_of(read_file(args[args.size() - 1]));
  };
  const auto corpus = make({"--kind", "corpus", "--out", dir.path() + "/corpus.jsonl"});
  ASSERT_GT(corpus.size(), 10000u);
  std::map<std::string, std::string> definition;
  for (const auto& p : corpus) {
    EXPECT_TRUE(p.contains("id") && p["title"].is_string() && p["text"].is_string()) << p;
    definition[p["title"].get<std::string>()] = p["text"].get<std::string>();
  }
  EXPECT_EQ(definition.size(), corpus.size());  // one passage per word
  const auto train = make({"--kind", "questions", "--split", "train", "--rows", "300", "--out", dir.path() + "/tr.jsonl"});
  const auto test = make({"--kind", "questions", "--split", "test", "--rows", "300", "--out", dir.path() + "/te.jsonl"});
  std::set<std::string> train_words;
  for (const auto& q : train) train_words.insert(q["word"].get<std::string>());
  EXPECT_EQ(train_words.size(), 300u);  // distinct words
  for (const auto& q : test) {
    const std::string w = q["word"];
    EXPECT_EQ(train_words.count(w), 0u) << w << " is a train and a test word";
    EXPECT_EQ(q["query"], "What does \"" + w + "\" mean?");
    ASSERT_TRUE(definition.count(w)) << w;
    EXPECT_EQ(q["answers"], nlohmann::json::array({definition[w]}));  // the answer is in the corpus
  }
  // Deterministic: the same command gives the same file; fewer rows give a prefix.
  const auto again = make({"--kind", "questions", "--split", "test", "--rows", "100", "--out", dir.path() + "/te2.jsonl"});
  EXPECT_EQ(read_file(dir.path() + "/te.jsonl").substr(0, read_file(dir.path() + "/te2.jsonl").size()),
            read_file(dir.path() + "/te2.jsonl"));
  const auto r = run_process({ragforge_bin(), "demo-data", "--wordnet", wordnet_dir(), "--kind", "questions", "--split",
                              "test", "--rows", "9999999", "--out", dir.path() + "/big.jsonl"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "for the test split");
  EXPECT_FALSE(std::ifstream(dir.path() + "/big.jsonl").good());
}

TEST(DemoDataCli, MissingWordnetNamesThePackage) {
  ScratchDir dir;
  const auto r = run_process(
      {ragforge_bin(), "demo-data", "--out", dir.path() + "/x.jsonl", "--wordnet", dir.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "ragforge demo-data: cannot read WordNet's " + dir.path() + "/data.noun");
  EXPECT_CONTAINS(r.err, "apt-get install wordnet-base");
  EXPECT_FALSE(std::ifstream(dir.path() + "/x.jsonl").good());
}

}  // namespace
}  // namespace ragforge::data::testing
