// BlockRank's ranking metrics (evaluation/ranking_metrics.h) on hand-computed
// trec_eval values: ndcg_cut with graded relevance and judged documents
// outside the candidates, recip_rank where trec_eval's tie order (score, then
// doc id descending) decides, queries without qrels left out, invalid
// predictions, decode-mode parsing with Python's `\b\d+\b`, the run file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "eval_test_util.h"
#include "evaluation/ranking_metrics.h"

namespace ragforge::evaluation::testing {
namespace {

constexpr double kTol = 1e-12;

data::Qrels qrels_of(std::map<std::string, std::map<std::string, int>> judged) { return data::Qrels{std::move(judged)}; }

// q1: only "a" is ranked (score 1); b, c, d score 0 and trec_eval orders them
// d, c, b (doc id descending), so the relevant "b" is at rank 4:
//   recip_rank = 1/4; DCG@5 = 1/log2(5) = 0.430676558073393, IDCG = 1.
// (In ascending id order "b" would be rank 2 and recip_rank 1/2.)
RankedQuery tie_query() { return {"q1", {"a", "b", "c", "d"}, {0}, {}}; }

// q2: run d3(5) d1(4) d5(3) d2(2) d4(1), relevance d1=2 d2=1 d4=0, and d9=1 is
// judged but not a candidate. Gains by rank: 0 2 0 1 0.
//   DCG@1 = 0, DCG@3 = 2/log2(3) = 1.261859507142915,
//   DCG@5 = DCG@10 = 1.2618595 + 1/log2(5) = 1.692536065216308.
//   Ideal gains 2 1 1: IDCG@1 = 2, IDCG@3.. = 2 + 1/log2(3) + 1/log2(4) = 3.130929753571458.
//   ndcg@1 = 0, ndcg@3 = 0.403030283801005, ndcg@5 = ndcg@10 = 0.540585767945010;
//   recip_rank = 1/2 (d1 at rank 2).
RankedQuery graded_query() { return {"q2", {"d1", "d2", "d3", "d4", "d5"}, {2, 0, 4, 1, 3}, {}}; }

data::Qrels both_qrels() {
  return qrels_of({{"q1", {{"b", 1}}}, {"q2", {{"d1", 2}, {"d2", 1}, {"d4", 0}, {"d9", 1}}}});
}

TEST(RankingMetrics, TrecTieOrderDecidesReciprocalRank) {
  const auto q = tie_query();
  const auto m = ranking_metrics({q}, nullptr);  // no qrels: no ranking keys
  EXPECT_FALSE(m.contains("mrr@1"));
  const auto s = trec_query_scores({{"a", 1}, {"b", 0}, {"c", 0}, {"d", 0}}, {{"b", 1}});
  EXPECT_NEAR(s.recip_rank, 0.25, kTol);
  EXPECT_NEAR(s.ndcg_cut[0], 0.0, kTol);
  EXPECT_NEAR(s.ndcg_cut[1], 0.0, kTol);
  EXPECT_NEAR(s.ndcg_cut[2], 1.0 / std::log2(5.0), kTol);
  EXPECT_NEAR(s.ndcg_cut[3], 0.430676558073393, 1e-14);
  // The relevant doc with the largest id among the ties comes first: rank 2.
  EXPECT_NEAR(trec_query_scores({{"a", 1}, {"b", 0}, {"c", 0}, {"d", 0}}, {{"d", 1}}).recip_rank, 0.5, kTol);
  // Ids compare as bytes, not numbers: "9" > "10".
  EXPECT_NEAR(trec_query_scores({{"10", 0}, {"9", 0}}, {{"10", 1}}).recip_rank, 0.5, kTol);
}

TEST(RankingMetrics, GradedRelevanceAndIdealFromAllJudgedDocs) {
  const auto s = trec_query_scores({{"d3", 5}, {"d1", 4}, {"d5", 3}, {"d2", 2}, {"d4", 1}},
                                   {{"d1", 2}, {"d2", 1}, {"d4", 0}, {"d9", 1}});
  EXPECT_NEAR(s.ndcg_cut[0], 0.0, kTol);
  EXPECT_NEAR(s.ndcg_cut[1], 0.403030283801005, 1e-14);
  EXPECT_NEAR(s.ndcg_cut[2], 0.540585767945010, 1e-14);
  EXPECT_NEAR(s.ndcg_cut[3], 0.540585767945010, 1e-14);
  EXPECT_NEAR(s.recip_rank, 0.5, kTol);
  // Relevance 2 counts twice a 1: swapping d1 (2) and d2 (1) at ranks 2 and 4
  // gives DCG@5 = 1/log2(3) + 2/log2(5) = 1.492282415289 -> 0.476627 of IDCG.
  const auto swapped = trec_query_scores({{"d3", 5}, {"d2", 4}, {"d5", 3}, {"d1", 2}, {"d4", 1}},
                                         {{"d1", 2}, {"d2", 1}, {"d4", 0}, {"d9", 1}});
  EXPECT_NEAR(swapped.ndcg_cut[2], (1 / std::log2(3.0) + 2 / std::log2(5.0)) / 3.130929753571458, 1e-12);
  EXPECT_NEAR(swapped.ndcg_cut[2], 0.476627, 1e-6);
  // A perfect ranking scores 1 at every cutoff; negative judgements are not
  // relevant and stay out of the ideal.
  const auto perfect = trec_query_scores({{"x", 3}, {"y", 2}, {"z", 1}}, {{"x", 2}, {"y", 1}, {"z", -1}});
  for (double v : perfect.ndcg_cut) EXPECT_NEAR(v, 1.0, kTol);
  EXPECT_NEAR(perfect.recip_rank, 1.0, kTol);
  // Nothing relevant: 0, not NaN.
  const auto none = trec_query_scores({{"x", 1}}, {{"x", 0}});
  EXPECT_EQ(none.ndcg_cut[3], 0.0);
  EXPECT_EQ(none.recip_rank, 0.0);
}

TEST(RankingMetrics, AveragesOnlyQueriesWithQrelsAndKeepsTheOriginalKeys) {
  // q3 has no qrels: it counts for accuracy (its gold "x" is top-1) only.
  const std::vector<RankedQuery> queries = {tie_query(), graded_query(), {"q3", {"x", "y"}, {0, 1}, {"x"}}};
  const auto qrels = both_qrels();
  const auto m = ranking_metrics(queries, &qrels);
  std::vector<std::string> keys;
  for (const auto& [k, v] : m.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"accuracy", "exact_match", "total", "invalid_predictions",
                                            "invalid_rate", "ndcg@1", "mrr@1", "ndcg@3", "mrr@3", "ndcg@5",
                                            "mrr@5", "ndcg@10", "mrr@10"}));
  // Accuracy: q1 top-1 "a" (gold from qrels: b) no, q2 "d3" (d1, d2, d9) no, q3 yes.
  EXPECT_NEAR(m["accuracy"].get<double>(), 100.0 / 3.0, kTol);
  EXPECT_EQ(m["exact_match"], 1);
  EXPECT_EQ(m["total"], 3);
  EXPECT_EQ(m["invalid_predictions"], 0);
  EXPECT_EQ(m["invalid_rate"].get<double>(), 0.0);
  // 100 * mean over q1 and q2:
  //   ndcg@1 = (0 + 0) / 2 = 0;  ndcg@3 = (0 + 0.4030302838) / 2 = 20.151514190050
  //   ndcg@5 = ndcg@10 = (0.4306765581 + 0.5405857679) / 2 = 48.563116300920
  //   mrr = (1/4 + 1/2) / 2 = 37.5 at every k
  EXPECT_NEAR(m["ndcg@1"].get<double>(), 0.0, kTol);
  EXPECT_NEAR(m["ndcg@3"].get<double>(), 20.151514190050, 1e-10);
  EXPECT_NEAR(m["ndcg@5"].get<double>(), 48.563116300920, 1e-10);
  EXPECT_NEAR(m["ndcg@10"].get<double>(), 48.563116300920, 1e-10);
  for (const char* k : {"mrr@1", "mrr@3", "mrr@5", "mrr@10"}) EXPECT_NEAR(m[k].get<double>(), 37.5, kTol) << k;
  // With q2's gold given, it is used instead of the qrels.
  auto q2 = graded_query();
  q2.gold = {"d3"};
  EXPECT_NEAR(ranking_metrics({q2}, &qrels)["accuracy"].get<double>(), 100.0, kTol);
  // Qrels for none of the queries: no ranking keys at all.
  const auto other = qrels_of({{"zz", {{"a", 1}}}});
  EXPECT_FALSE(ranking_metrics(queries, &other).contains("ndcg@10"));
  // Empty input.
  EXPECT_EQ(ranking_metrics({}, nullptr)["accuracy"].get<double>(), 0.0);
}

TEST(RankingMetrics, InvalidPredictionsAreWrongAndCounted) {
  // Empty ranking, -1, and 7 with 4 candidates are invalid; "[2]" parsed is valid.
  const std::vector<RankedQuery> queries = {
      {"q1", {"a", "b", "c", "d"}, {}, {"b"}},
      {"q2", {"a", "b", "c", "d"}, {-1}, {"a"}},
      {"q3", {"a", "b", "c", "d"}, {7}, {"a"}},
      {"q4", {"a", "b", "c", "d"}, {*parse_decoded_prediction("[2]", 4)}, {"c"}},
  };
  const auto m = ranking_metrics(queries, nullptr);
  EXPECT_EQ(m["invalid_predictions"], 3);
  EXPECT_NEAR(m["invalid_rate"].get<double>(), 75.0, kTol);
  EXPECT_NEAR(m["accuracy"].get<double>(), 25.0, kTol);
  // With qrels an invalid query ranks nothing: every candidate scores 0 and
  // the tie order d, c, b, a puts the relevant "b" at rank 3.
  const auto qrels = qrels_of({{"q1", {{"b", 1}}}});
  const auto r = ranking_metrics({queries[0]}, &qrels);
  EXPECT_NEAR(r["mrr@10"].get<double>(), 100.0 / 3.0, 1e-12);
  EXPECT_NEAR(r["ndcg@3"].get<double>(), 100.0 * 0.5, 1e-12);  // 1/log2(4) over IDCG 1
  EXPECT_NEAR(r["ndcg@1"].get<double>(), 0.0, kTol);
}

TEST(RankingMetrics, RepeatedQueryIdsWithQrelsAreAnError) {
  const auto qrels = both_qrels();
  try {
    ranking_metrics({tie_query(), tie_query()}, &qrels);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "query id 'q1' occurs twice");
  }
  EXPECT_NO_THROW(ranking_metrics({tie_query(), tie_query()}, nullptr));
}

TEST(RankingMetrics, AttnMetricsCarryTheLayerAndFilesAreJson) {
  ScratchDir dir;
  const auto qrels = both_qrels();
  const auto m = attn_eval_metrics({graded_query()}, &qrels, 20);
  EXPECT_EQ(m["attn_layer"], 20);
  EXPECT_EQ(m.items().begin().key(), "accuracy");
  const std::string path = dir.path() + "/out/" + kAttnEvalMetricsFile;
  write_metrics_json(path, m);
  const std::string text = read_text(path);
  EXPECT_EQ(nlohmann::ordered_json::parse(text), m);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_CONTAINS(text, "\n  \"attn_layer\": 20\n");
  EXPECT_EQ(std::string(kDecodeEvalMetricsFile), "decode_eval_metrics.json");
}

TEST(RankingMetrics, TrecRunListsEveryCandidateInTrecEvalOrder) {
  ScratchDir dir;
  const std::string path = dir.path() + "/run.trec";
  write_trec_run(path, {tie_query(), graded_query(), {"q5", {"a", "b"}, {}, {}}}, "blockrank");
  EXPECT_EQ(read_text(path),
            "q1 Q0 a 1 1 blockrank\n"
            "q1 Q0 d 2 0 blockrank\n"
            "q1 Q0 c 3 0 blockrank\n"
            "q1 Q0 b 4 0 blockrank\n"
            "q2 Q0 d3 1 5 blockrank\n"
            "q2 Q0 d1 2 4 blockrank\n"
            "q2 Q0 d5 3 3 blockrank\n"
            "q2 Q0 d2 4 2 blockrank\n"
            "q2 Q0 d4 5 1 blockrank\n"
            "q5 Q0 b 1 0 blockrank\n"  // invalid: all zeros
            "q5 Q0 a 2 0 blockrank\n");
  // Repeated indices keep their first rank; a later out-of-range one is skipped
  // but still counts in len(ranking) (scores 4 3 _ 1, as the original).
  write_trec_run(path, {{"q", {"a", "b", "c", "d"}, {2, 2, 9, 0}, {}}}, "r");
  EXPECT_EQ(read_text(path), "q Q0 c 1 4 r\nq Q0 a 2 1 r\nq Q0 d 3 0 r\nq Q0 b 4 0 r\n");
  try {
    write_trec_run(path, {{"my query", {"a"}, {0}, {}}}, "r");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "query id 'my query'");
  }
  EXPECT_EQ(read_text(path), "q Q0 c 1 4 r\nq Q0 a 2 1 r\nq Q0 d 3 0 r\nq Q0 b 4 0 r\n");  // untouched
}

TEST(DecodedPrediction, FirstStandaloneNumberAsPythonRe) {
  EXPECT_EQ(parse_decoded_prediction("[3]", 10), 3);
  EXPECT_EQ(parse_decoded_prediction("3, 5]", 10), 3);
  EXPECT_EQ(parse_decoded_prediction("ID 12, 4", 20), 12);
  EXPECT_EQ(parse_decoded_prediction("ID 12, 4", 10), std::nullopt);  // the first number decides: out of range
  EXPECT_EQ(parse_decoded_prediction("ID 12, 4", 12), std::nullopt);  // index must be < N
  EXPECT_EQ(parse_decoded_prediction("none", 10), std::nullopt);
  EXPECT_EQ(parse_decoded_prediction("", 10), std::nullopt);
  EXPECT_EQ(parse_decoded_prediction("7x", 10), std::nullopt);    // no boundary before "x"
  EXPECT_EQ(parse_decoded_prediction("7x 8", 10), 8);
  EXPECT_EQ(parse_decoded_prediction("x7 8", 10), 8);
  EXPECT_EQ(parse_decoded_prediction("a_1 2", 10), 2);           // "_" is a word character
  EXPECT_EQ(parse_decoded_prediction("-1", 10), 1);              // "-" is not
  EXPECT_EQ(parse_decoded_prediction("1.5", 10), 1);
  EXPECT_EQ(parse_decoded_prediction("007", 10), 7);              // int("007")
  EXPECT_EQ(parse_decoded_prediction("99999999999999999999999999 1", 10), std::nullopt);
  EXPECT_EQ(parse_decoded_prediction("[3]", 0), std::nullopt);
  // Unicode, as Python 3's str patterns: \d is any Nd digit, \w any letter or number.
  EXPECT_EQ(parse_decoded_prediction("[\xD9\xA3]", 10), 3);                 // ARABIC-INDIC DIGIT THREE
  EXPECT_EQ(parse_decoded_prediction("\xC3\xA9" "3 4", 10), 4);            // é3: no boundary
  EXPECT_EQ(parse_decoded_prediction("3\xC2\xBD 4", 10), 4);               // 3½: ½ is numeric, so \w
  EXPECT_EQ(parse_decoded_prediction("3\xE2\x80\x94" "4", 10), 3);         // an em dash is not \w
  EXPECT_EQ(parse_decoded_prediction("\xFF" "5", 10), 5);                  // a bad byte is no word char
}

}  // namespace
}  // namespace ragforge::evaluation::testing
