// build_index and Bm25Index::open on bad input: corpus errors name
// file:line and the key, bad options are refused, and a missing, corrupt or
// mismatched index names its folder and the command that rebuilds it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "retrieval/bm25_index.h"
#include "support/scratch_dir.h"

namespace ragforge::retrieval {
namespace {

namespace fs = std::filesystem;

using ragforge::testing::read_file;
using ragforge::testing::ScratchDir;

// The message of the ragforge::Error `fn` throws ("" if it throws none).
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ragforge::Error was thrown";
  return "";
}

const char* kGood =
    R"({"id": "1", "title": "One", "text": "first passage"})"
    "\n"
    R"({"id": "2", "title": "Two", "text": "second passage"})"
    "\n";

// The error building `corpus_text` gives; checks nothing is left at --out.
std::string build_error(const std::string& corpus_text, const IndexOptions& options = {}) {
  ScratchDir dir;
  const std::string corpus = dir.write("c.jsonl", corpus_text), out = dir.path() + "/out.index";
  const std::string err = error_of([&] { build_index(corpus, out, options); });
  EXPECT_FALSE(fs::exists(out)) << out;
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u) << "a staging folder was left beside " << out;
  return err;
}

// ---- corpus errors ------------------------------------------------------------

TEST(IndexErrors, CorpusLinesNameFileLineAndKey) {
  std::string err = build_error(std::string(kGood) + "{\"id\": \"3\", \"text\": \"broken\"\n");
  EXPECT_CONTAINS(err, "c.jsonl:3: invalid JSON: column");
  err = build_error(std::string(kGood) + "\n" + R"({"id": "3", "title": "x"})" "\n");
  EXPECT_CONTAINS(err, "c.jsonl:4: missing key 'text'");
  err = build_error(R"({"title": "x", "text": "y"})" "\n");
  EXPECT_CONTAINS(err, "c.jsonl:1: missing key 'id'");
  err = build_error(R"({"id": "1", "text": 7})" "\n");
  EXPECT_CONTAINS(err, "c.jsonl:1: key 'text' must be a string, got number");
  err = build_error(R"({"id": 1.5, "text": "t"})" "\n");
  EXPECT_CONTAINS(err, "c.jsonl:1: key 'id' must be a string or an integer, got number");
  err = build_error(R"({"id": "", "text": "t"})" "\n");
  EXPECT_CONTAINS(err, "c.jsonl:1: key 'id' is an empty string");
  err = build_error(R"({"id": "1", "title": null, "text": "t"})" "\n");
  EXPECT_CONTAINS(err, "c.jsonl:1: key 'title' must be a string, got null");
  err = build_error("[1, 2]\n");
  EXPECT_CONTAINS(err, "c.jsonl:1: expected a JSON object, got array");
}

TEST(IndexErrors, DuplicateIdsNameBothLines) {
  const std::string err = build_error(std::string(kGood) + R"({"id": "9", "text": "x"})" "\n" +
                                      R"({"id": "1", "text": "again"})" "\n" + R"({"id": 9, "text": "y"})" "\n");
  EXPECT_CONTAINS(err, "c.jsonl:4: duplicate 'id' \"1\" (first on line 1)");
}

TEST(IndexErrors, EmptyOrMissingCorpus) {
  EXPECT_CONTAINS(build_error(""), "c.jsonl: the corpus has no documents");
  EXPECT_CONTAINS(build_error("\n  \n\t\n"), "the corpus has no documents");
  ScratchDir dir;
  const std::string out = dir.path() + "/out.index";
  EXPECT_CONTAINS(error_of([&] { build_index(dir.path() + "/absent.jsonl", out); }),
                  "absent.jsonl: cannot open the corpus: No such file or directory");
  EXPECT_CONTAINS(error_of([&] { build_index(dir.path(), out); }), "it is a folder");
  EXPECT_FALSE(fs::exists(out));
}

TEST(IndexErrors, BadOptionsAreRefused) {
  IndexOptions o;
  o.bm25.b = 1.5;
  EXPECT_CONTAINS(build_error(kGood, o), "BM25 parameter b = 1.500000 is invalid: it must be in [0, 1]");
  o = {};
  o.bm25.k1 = -1;
  EXPECT_CONTAINS(build_error(kGood, o), "BM25 parameter k1");
  o = {};
  o.stemmer = "klingon";
  const std::string err = build_error(kGood, o);
  EXPECT_CONTAINS(err, "unknown stemmer 'klingon'");
  EXPECT_CONTAINS(err, "english");
}

TEST(IndexErrors, NeverReplacesAFolderThatIsNotAnIndex) {
  ScratchDir dir;
  const std::string corpus = dir.write("c.jsonl", kGood), out = dir.path() + "/notes";
  fs::create_directory(out);
  std::ofstream(out + "/keep.txt") << "precious";
  EXPECT_CONTAINS(error_of([&] { build_index(corpus, out); }), "refusing to replace " + out);
  EXPECT_EQ(read_file(out + "/keep.txt"), "precious");
  EXPECT_CONTAINS(error_of([&] { build_index(corpus, dir.path() + "/c.jsonl"); }), "not a folder");
  EXPECT_CONTAINS(error_of([&] { build_index(corpus, "."); }), "names no new folder");
  // An empty folder is fine to fill.
  fs::create_directory(dir.path() + "/empty");
  EXPECT_EQ(build_index(corpus, dir.path() + "/empty/").documents, 2);
  EXPECT_EQ(Bm25Index::open(dir.path() + "/empty").size(), 2);
}

// ---- replacing an index -------------------------------------------------------

TEST(IndexErrors, AFailedRebuildKeepsTheOldIndex) {
  ScratchDir dir;
  const std::string out = dir.path() + "/idx";
  build_index(dir.write("old.jsonl", kGood), out);
  const std::string bad = dir.write("bad.jsonl", std::string(kGood) + "not json\n");
  EXPECT_CONTAINS(error_of([&] { build_index(bad, out); }), "bad.jsonl:3: invalid JSON");
  auto index = Bm25Index::open(out);
  EXPECT_EQ(index.size(), 2);
  EXPECT_EQ(index.search("second", 1).at(0).id, "2");

  build_index(dir.write("new.jsonl", R"({"id": "n", "text": "brand new passage"})" "\n"), out);
  index = Bm25Index::open(out);
  EXPECT_EQ(index.size(), 1);
  EXPECT_EQ(index.search("passage", 5).at(0).id, "n");
  EXPECT_TRUE(index.search("second", 5).empty());
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"bad.jsonl", "idx", "new.jsonl", "old.jsonl"}));
}

// ---- opening a missing, corrupt or mismatched index ------------------------------

class OpenErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = dir_.write("corpus.jsonl", kGood);
    IndexOptions options;
    options.stemmer = "none";
    options.bm25.k1 = 2;
    build_index(corpus_, index_, options);
  }
  std::string open_error() const { return error_of([&] { Bm25Index::open(index_); }); }
  nlohmann::json metadata() const { return nlohmann::json::parse(read_file(index_ + "/ragforge-index.json")); }
  void write_metadata(const nlohmann::json& j) const { dir_.write("idx/ragforge-index.json", j.dump()); }

  ScratchDir dir_;
  std::string corpus_, index_ = dir_.path() + "/idx";
};

TEST_F(OpenErrors, MetadataRecordsTheBuild) {
  const auto j = metadata();
  EXPECT_EQ(j["format"], "ragforge-bm25-index");
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j["corpus"], fs::absolute(corpus_).lexically_normal().string());
  EXPECT_EQ(j["documents"], 2);
  EXPECT_EQ(j["bm25"], (nlohmann::json{{"k1", 2.0}, {"k2", 0.0}, {"k3", 1.0}, {"b", 0.75}, {"min_normlen", 0.5}}));
  EXPECT_EQ(j["stemmer"], "none");
  EXPECT_EQ(j["xapian_version"], "1.4.22");
  const auto index = Bm25Index::open(index_);
  EXPECT_EQ(index.rebuild_command(), "ragforge index --corpus " + j["corpus"].get<std::string>() + " --out " +
                                         index_ + " --stemmer none --k1 2");
}

TEST_F(OpenErrors, MissingFolder) {
  const std::string err = error_of([&] { Bm25Index::open(dir_.path() + "/nowhere"); });
  EXPECT_CONTAINS(err, dir_.path() + "/nowhere: no BM25 index here (the folder does not exist)");
  EXPECT_CONTAINS(err, "build one with `ragforge index --corpus CORPUS.jsonl --out " + dir_.path() + "/nowhere`");
}

TEST_F(OpenErrors, MissingOrBrokenMetadata) {
  fs::remove(index_ + "/ragforge-index.json");
  std::string err = open_error();
  EXPECT_CONTAINS(err, index_ + ": not a ragforge BM25 index: ragforge-index.json is missing");
  EXPECT_CONTAINS(err, "rebuild it with `ragforge index --corpus CORPUS.jsonl --out " + index_ + "`");

  dir_.write("idx/ragforge-index.json", "{\"format\": ");
  EXPECT_CONTAINS(open_error(), "ragforge-index.json is not valid JSON");
}

TEST_F(OpenErrors, MismatchedMetadata) {
  const auto good = metadata();
  auto j = good;
  j["documents"] = 3;
  write_metadata(j);
  std::string err = open_error();
  EXPECT_CONTAINS(err, index_ + ": the Xapian tables hold 2 documents but ragforge-index.json says 3");
  EXPECT_CONTAINS(err, "rebuild it with `ragforge index --corpus " + good["corpus"].get<std::string>() + " --out " +
                           index_ + " --stemmer none --k1 2`");

  j = good;
  j["format_version"] = 2;
  write_metadata(j);
  EXPECT_CONTAINS(open_error(), "index format version 2, this ragforge reads version 1");

  j = good;
  j["bm25"]["b"] = "high";
  write_metadata(j);
  EXPECT_CONTAINS(open_error(), "'bm25.b' is missing or not a number");

  j = good;
  j["stemmer"] = "klingon";
  write_metadata(j);
  EXPECT_CONTAINS(open_error(), "unknown stemmer 'klingon'");

  j = good;
  j["format"] = "something-else";
  write_metadata(j);
  EXPECT_CONTAINS(open_error(), "does not describe a ragforge BM25 index");

  // Metadata of another build with as many documents: the UUIDs tell.
  build_index(dir_.write("other.jsonl", kGood), dir_.path() + "/other");
  fs::copy_file(dir_.path() + "/other/ragforge-index.json", index_ + "/ragforge-index.json",
                fs::copy_options::overwrite_existing);
  EXPECT_CONTAINS(open_error(), "the Xapian tables are not the ones ragforge-index.json was written for");

  write_metadata(good);
  EXPECT_EQ(Bm25Index::open(index_).size(), 2);
}

TEST_F(OpenErrors, GarbageInTheXapianTables) {
  for (const auto& e : fs::directory_iterator(index_)) {
    if (e.path().filename() == "ragforge-index.json") continue;
    std::string garbage(8192, '\0');
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919 + 13) % 251);
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << garbage;
  }
  const std::string err = open_error();
  EXPECT_CONTAINS(err, index_ + ": ");
  EXPECT_CONTAINS(err, "Xapian tables");
  EXPECT_CONTAINS(err, "rebuild it with `ragforge index --corpus");
}

TEST_F(OpenErrors, MissingXapianTables) {
  fs::remove(index_ + "/iamglass");
  const std::string err = open_error();
  EXPECT_CONTAINS(err, index_ + ": cannot open the Xapian tables");
  EXPECT_CONTAINS(err, "rebuild it with `ragforge index");
}

}  // namespace
}  // namespace ragforge::retrieval
