// read_qrels (recipes.md §3.1): BEIR TSV with its header, 4-column TREC,
// whitespace splitting, and errors naming the line.
#include <gtest/gtest.h>

#include "data/qrels.h"
#include "data_test_util.h"

namespace ragforge::data::testing {
namespace {

TEST(RankingQrels, ReadsBeirTsvAndSkipsItsHeader) {
  ScratchDir dir;
  const Qrels q = read_qrels(dir.write("q.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\n\nq2\td9\t2\r\n"));
  ASSERT_EQ(q.judged.size(), 2u);
  EXPECT_EQ(q.judged.at("q1").at("d1"), 1);
  EXPECT_EQ(q.judged.at("q1").at("d2"), 0);
  EXPECT_EQ(q.judged.at("q2").at("d9"), 2);
}

TEST(RankingQrels, ReadsTrecAndWhitespaceSeparatedLines) {
  ScratchDir dir;
  const Qrels q = read_qrels(dir.write("q.trec", "301 0 FBIS3-1 1\n301  0  FBIS3-2   -1\n302 Q0 LA-7 3\n"));
  EXPECT_EQ(q.judged.at("301").at("FBIS3-1"), 1);
  EXPECT_EQ(q.judged.at("301").at("FBIS3-2"), -1);
  EXPECT_EQ(q.judged.at("302").at("LA-7"), 3);
  // Without a header the first line is data; a repeated pair keeps the last value.
  const Qrels r = read_qrels(dir.write("r.tsv", "a\tx\t1\na\tx\t2\n"));
  EXPECT_EQ(r.judged.at("a").at("x"), 2);
}

TEST(RankingQrels, BadLinesNameTheirLine) {
  ScratchDir dir;
  EXPECT_CONTAINS(error_of([&] { read_qrels(dir.write("a.tsv", "q\td\t1\nq\td\n")); }),
                  "a.tsv:2: expected 3 fields (query-id doc-id relevance) or 4 (TREC: qid 0 docid rel), got 2");
  EXPECT_CONTAINS(error_of([&] { read_qrels(dir.write("b.tsv", "q\td\t1\nq\te\thigh\n")); }),
                  "b.tsv:2: relevance 'high' is not an integer");
  EXPECT_CONTAINS(error_of([&] { read_qrels(dir / "missing.tsv"); }), "missing.tsv: cannot open the qrels file");
}

}  // namespace
}  // namespace ragforge::data::testing
