// `ragforge index` and `ragforge search` through the real executable:
// output, atomic replacement, and the errors users see (exit code 1, a
// message naming the file, line or folder, nothing left at --out).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::retrieval {
namespace {

namespace fs = std::filesystem;
using ragforge::testing::ProcessResult;
using ragforge::testing::ragforge_bin;
using ragforge::testing::run_process;
using ragforge::testing::ScratchDir;

const char* kCorpus =
    R"({"id": "paris", "title": "Paris", "text": "Paris is the capital of France."})"
    "\n"
    R"({"id": "rome", "title": "Rome", "text": "Rome is the capital of Italy; Romans built roads."})"
    "\n"
    R"({"id": "nile", "title": "Nile", "text": "The Nile is a river in Africa."})"
    "\n";

ProcessResult index_cmd(const std::string& corpus, const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{ragforge_bin(), "index", "--corpus", corpus, "--out", out};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_process(argv);
}

ProcessResult search_cmd(const std::string& index, const std::string& query, int top_k = 5) {
  return run_process({ragforge_bin(), "search", "--index", index, "--query", query, "--top-k", std::to_string(top_k)});
}

std::vector<nlohmann::json> jsonl(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// A failed `ragforge index`: exit 1, the message, nothing new in the folder.
void expect_index_fails(const ScratchDir& dir, const std::string& corpus_text, const std::string& message) {
  const std::string corpus = dir.write("bad.jsonl", corpus_text), out = dir.path() + "/out.index";
  const auto before = dir.entries();
  const auto r = index_cmd(corpus, out);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_CONTAINS(r.err, "ragforge index: " + message);
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(dir.entries(), before);
}

TEST(IndexCli, BuildsAndSearches) {
  ScratchDir dir;
  const std::string corpus = dir.write("corpus.jsonl", kCorpus), out = dir.path() + "/cities.index";
  const auto r = index_cmd(corpus, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "indexed 3 documents from " + corpus + " into " + out + " in ");
  EXPECT_CONTAINS(r.out, " docs/s)\n");
  EXPECT_CONTAINS(r.out, "BM25 k1=1.2 k2=0 k3=1 b=0.75 min_normlen=0.5, stemmer english\n");
  EXPECT_TRUE(fs::exists(out + "/ragforge-index.json"));
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"cities.index", "corpus.jsonl"}));

  const auto s = search_cmd(out, "What is the capital of Italy?", 2);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto hits = jsonl(s.out);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0]["id"], "rome");
  EXPECT_EQ(hits[0]["title"], "Rome");
  EXPECT_EQ(hits[0]["content"], "Rome is the capital of Italy; Romans built roads.");
  EXPECT_EQ(hits[1]["id"], "paris");
  EXPECT_GT(hits[0]["score"].get<double>(), hits[1]["score"].get<double>());
  std::vector<std::string> keys;
  const auto first = nlohmann::ordered_json::parse(s.out.substr(0, s.out.find('\n')));
  for (auto it = first.begin(); it != first.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "title", "content", "score"}));
}

TEST(IndexCli, StoresItsOptions) {
  ScratchDir dir;
  const std::string corpus = dir.write("corpus.jsonl", kCorpus), out = dir.path() + "/i";
  const auto r = index_cmd(corpus, out, {"--stemmer", "none", "--k1", "0.9", "--b", "0.4", "--min-normlen", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "BM25 k1=0.9 k2=0 k3=1 b=0.4 min_normlen=0, stemmer none\n");
  std::ifstream in(out + "/ragforge-index.json");
  const auto meta = nlohmann::json::parse(in);
  EXPECT_EQ(meta["bm25"]["k1"], 0.9);
  EXPECT_EQ(meta["bm25"]["b"], 0.4);
  EXPECT_EQ(meta["stemmer"], "none");
  // No stemming: "Romans" does not find "Rome"s roads by "roman".
  EXPECT_EQ(search_cmd(out, "roman").out, "");
  EXPECT_EQ(jsonl(search_cmd(out, "romans").out).size(), 1u);
}

TEST(IndexCli, AFailedRebuildKeepsTheOldIndex) {
  ScratchDir dir;
  const std::string out = dir.path() + "/idx";
  ASSERT_EQ(index_cmd(dir.write("corpus.jsonl", kCorpus), out).exit_code, 0);
  const std::string bad = dir.write("bad.jsonl", std::string(kCorpus) + R"({"id": "x", "text": "oops")" "\n");
  const auto r = index_cmd(bad, out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "bad.jsonl:4: invalid JSON");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"bad.jsonl", "corpus.jsonl", "idx"}));
  const auto s = search_cmd(out, "river");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  ASSERT_EQ(jsonl(s.out).size(), 1u);
  EXPECT_EQ(jsonl(s.out)[0]["id"], "nile");

  // A good rebuild replaces it.
  const std::string next = dir.write("next.jsonl", R"({"id": "amazon", "text": "The Amazon is a river."})" "\n");
  const auto ok = index_cmd(next, out);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_CONTAINS(ok.out, "indexed 1 documents");
  EXPECT_EQ(jsonl(search_cmd(out, "river").out)[0]["id"], "amazon");
  EXPECT_EQ(search_cmd(out, "capital").out, "");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"bad.jsonl", "corpus.jsonl", "idx", "next.jsonl"}));
}

TEST(IndexCli, CorpusErrors) {
  ScratchDir dir;
  {
    const auto before = dir.entries();
    const auto r = index_cmd(dir.path() + "/missing.jsonl", dir.path() + "/out.index");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_CONTAINS(r.err, "ragforge index: " + dir.path() + "/missing.jsonl: cannot open the corpus: No such file");
    EXPECT_FALSE(fs::exists(dir.path() + "/out.index"));
    EXPECT_EQ(dir.entries(), before);
  }
  expect_index_fails(dir, std::string(kCorpus) + "{\"id\": \"4\", \"text\": }\n", dir.path() + "/bad.jsonl:4: invalid JSON: column");
  expect_index_fails(dir, R"({"id": "1", "title": "no text"})" "\n", dir.path() + "/bad.jsonl:1: missing key 'text'");
  expect_index_fails(dir, "", dir.path() + "/bad.jsonl: the corpus has no documents");
  expect_index_fails(dir, "\n\n", dir.path() + "/bad.jsonl: the corpus has no documents");
}

TEST(IndexCli, RequiredOptionsAndBadValues) {
  ScratchDir dir;
  auto r = run_process({ragforge_bin(), "index", "--out", dir.path() + "/x"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_CONTAINS(r.out + r.err, "--corpus");
  const std::string corpus = dir.write("corpus.jsonl", kCorpus);
  r = index_cmd(corpus, dir.path() + "/x", {"--b", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "BM25 parameter b = 2.000000 is invalid");
  EXPECT_FALSE(fs::exists(dir.path() + "/x"));
}

TEST(IndexCli, CorruptOrMissingIndexSaysHowToRebuild) {
  ScratchDir dir;
  const std::string corpus = dir.write("corpus.jsonl", kCorpus), out = dir.path() + "/idx";
  ASSERT_EQ(index_cmd(corpus, out, {"--stemmer", "none"}).exit_code, 0);
  const std::string rebuild = "rebuild it with `ragforge index --corpus " + fs::absolute(corpus).lexically_normal().string() +
                              " --out " + out + " --stemmer none`";
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.path().filename() == "ragforge-index.json") continue;
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << std::string(4096, '\x5a');
  }
  auto r = search_cmd(out, "capital");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_CONTAINS(r.err, "ragforge search: " + out + ": ");
  EXPECT_CONTAINS(r.err, "damaged");
  EXPECT_CONTAINS(r.err, rebuild);

  fs::remove(out + "/ragforge-index.json");
  r = search_cmd(out, "capital");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, out + ": not a ragforge BM25 index: ragforge-index.json is missing");
  EXPECT_CONTAINS(r.err, "rebuild it with `ragforge index --corpus CORPUS.jsonl --out " + out + "`");

  r = search_cmd(dir.path() + "/nowhere", "capital");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, dir.path() + "/nowhere: no BM25 index here");

  // The rebuild it asks for replaces the damaged tables.
  r = index_cmd(corpus, out, {"--stemmer", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(jsonl(search_cmd(out, "capital").out).size(), 2u);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"corpus.jsonl", "idx"}));
}

}  // namespace
}  // namespace ragforge::retrieval
