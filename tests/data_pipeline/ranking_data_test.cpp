// BlockRank's rows, sampling, split and loading (recipes.md §3.1–3.2): field
// defaults and errors naming file:line, dropped answer ids counted, dummy
// padding, seeded determinism, evaluation in file order, the split sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "data/ranking_data.h"
#include "data/ranking_prompt.h"
#include "data/ranking_rows.h"
#include "data/ranking_sampling.h"
#include "data_test_util.h"
#include "ranking_test_util.h"

namespace ragforge::data::testing {
namespace {

using nlohmann::json;

std::string jsonl(const std::vector<json>& rows) {
  std::string text;
  for (const auto& r : rows) text += r.dump() + "\n";
  return text;
}

json row_with(int n_docs, std::vector<std::string> answers, const std::string& query = "q") {
  json docs = json::array();
  for (int i = 0; i < n_docs; ++i) docs.push_back({{"doc_id", "d" + std::to_string(i)}, {"text", "doc " + std::to_string(i)}});
  return {{"query", query}, {"documents", docs}, {"answer_ids", answers}};
}

TEST(RankingRows, DefaultsAndTextJoining) {
  const RankingRow r = parse_ranking_row(
      json::parse(R"({"query": "q", "documents": [{"title": " T ", "text": "body "}, {"doc_id": 7, "text": "x"},
                     {"doc_id": "b", "title": "only"}], "answer_ids": [7, "b"]})"),
      3);
  EXPECT_EQ(r.query_id, "3");  // the row index
  ASSERT_EQ(r.documents.size(), 3u);
  EXPECT_EQ(r.documents[0].doc_id, "0");
  EXPECT_EQ(r.documents[0].text, "T  body");  // (title + " " + text).strip()
  EXPECT_EQ(r.documents[1].doc_id, "7");      // numbers compare as strings
  EXPECT_EQ(r.documents[2].text, "only");
  EXPECT_EQ(r.answer_ids, (std::vector<std::string>{"7", "b"}));

  const RankingRow s = parse_ranking_row(json::parse(R"({"query": "q", "query_id": 12, "documents": ["  a  ", "b"]})"), 0);
  EXPECT_EQ(s.query_id, "12");
  EXPECT_EQ(s.documents[0].doc_id, "0");
  EXPECT_EQ(s.documents[0].text, "  a  ");  // strings are kept; the prompt strips them
  EXPECT_TRUE(s.answer_ids.empty());        // no answer_ids: inference
}

TEST(RankingRows, AnswerIdsNamingNoDocumentAreDroppedAndCounted) {
  const RankingRow r = parse_ranking_row(row_with(3, {"d1", "zz", "d1", "d9"}), 0);
  EXPECT_EQ(r.answer_ids, (std::vector<std::string>{"d1"}));
  EXPECT_EQ(r.dropped_answer_ids, 2);

  ScratchDir dir;
  const std::string path = dir.write("a.jsonl", jsonl({row_with(3, {"d1", "zz"}), row_with(2, {"x", "y"}), row_with(2, {"d0"})}));
  const RankingRows rows = read_ranking_rows(path, "data.data_path");
  EXPECT_EQ(rows.report.rows, 3);
  EXPECT_EQ(rows.report.dropped_answer_ids, 3);
  EXPECT_EQ(rows.report.rows_with_dropped_answers, 2);
}

TEST(RankingRows, ARepeatedDocIdKeepsItsFirstPlaceAndLastText) {
  const RankingRow r = parse_ranking_row(
      json::parse(R"({"query": "q", "documents": [{"doc_id": "a", "text": "1"}, {"doc_id": "b", "text": "2"},
                     {"doc_id": "a", "text": "3"}]})"),
      0);
  ASSERT_EQ(r.documents.size(), 2u);
  EXPECT_EQ(r.documents[0].text, "3");
  EXPECT_EQ(r.duplicate_doc_ids, 1);
}

TEST(RankingRows, BadRowsAreErrorsNamingTheLine) {
  ScratchDir dir;
  auto error_for = [&](const std::string& text) {
    const std::string path = dir.write("bad.jsonl", text);
    return error_of([&] { read_ranking_rows(path, "data.data_path"); });
  };
  const std::string good = row_with(2, {"d0"}).dump() + "\n";
  EXPECT_CONTAINS(error_for(good + "\n{not json\n"), "bad.jsonl:3: invalid JSON");
  EXPECT_CONTAINS(error_for(good + R"({"documents": ["a"]})" "\n"), "bad.jsonl:2: missing 'query'");
  EXPECT_CONTAINS(error_for(R"({"query": "q", "documents": []})" "\n"), "bad.jsonl:1: 'documents' is empty");
  EXPECT_CONTAINS(error_for(R"({"query": "q"})" "\n"), "bad.jsonl:1: missing 'documents'");
  EXPECT_CONTAINS(error_for(R"({"query": 5, "documents": ["a"]})" "\n"), "'query' must be a string, got number");
  EXPECT_CONTAINS(error_for(R"({"query": "q", "documents": "a"})" "\n"), "'documents' must be a list");
  EXPECT_CONTAINS(error_for(R"({"query": "q", "documents": [3]})" "\n"), "documents[0] must be");
  EXPECT_CONTAINS(error_for(R"({"query": "q", "documents": [{"text": 3}]})" "\n"), "documents[0].text must be a string");
  EXPECT_CONTAINS(error_for(R"({"query": "q", "documents": ["a"], "answer_ids": "0"})" "\n"),
                  "'answer_ids' must be a list");
  EXPECT_CONTAINS(error_for(""), "holds no rows");
  EXPECT_CONTAINS(error_of([&] { read_ranking_rows(dir / "missing.jsonl", "data.data_path"); }),
                  "data.data_path: cannot open");
  EXPECT_CONTAINS(error_of([&] { read_ranking_rows(dir / "none*.jsonl", "eval.data_path"); }),
                  "eval.data_path: no file matches");
}

TEST(RankingRows, AGlobReadsShardsInSortedOrderWithRunningRowIndices) {
  ScratchDir dir;
  dir.write("s/b.jsonl", jsonl({row_with(1, {}, "second")}));
  dir.write("s/a.jsonl", jsonl({row_with(1, {}, "first")}));
  const RankingRows rows = read_ranking_rows(dir / "s/*.jsonl", "data.data_path");
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(rows.rows[0].query, "first");
  EXPECT_EQ(rows.rows[1].query_id, "1");
}

TEST(RankingSampling, TrainingKeepsPositivesDrawsNegativesAndShuffles) {
  const RankingRow r = parse_ranking_row(row_with(10, {"d3", "d7"}), 5);
  const SampledRanking s = sample_for_training(r, 4, 42);
  ASSERT_EQ(s.doc_ids.size(), 4u);
  std::set<std::string> unique(s.doc_ids.begin(), s.doc_ids.end());
  EXPECT_EQ(unique.size(), 4u);  // without replacement
  EXPECT_TRUE(unique.count("d3") && unique.count("d7"));
  ASSERT_EQ(s.answers.size(), 2u);
  EXPECT_LT(s.answers[0], s.answers[1]);
  for (int64_t a : s.answers) EXPECT_TRUE(s.doc_ids[size_t(a)] == "d3" || s.doc_ids[size_t(a)] == "d7");
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(s.documents[i], "doc " + s.doc_ids[i].substr(1));
  // Seeded by dataset_seed + row: the same again, another seed or row differs somewhere.
  EXPECT_EQ(sample_for_training(r, 4, 42).doc_ids, s.doc_ids);
  bool differs = false;
  for (int64_t seed = 43; seed < 53; ++seed) differs |= sample_for_training(r, 4, seed).doc_ids != s.doc_ids;
  EXPECT_TRUE(differs);
}

TEST(RankingSampling, ShortRowsArePaddedWithDummies) {
  const RankingRow r = parse_ranking_row(row_with(2, {"d1"}), 0);
  const SampledRanking s = sample_for_training(r, 5, 42);
  std::vector<std::string> sorted = s.doc_ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::string>{"d0", "d1", "dummy_2", "dummy_3", "dummy_4"}));
  for (size_t i = 0; i < 5; ++i)
    if (s.doc_ids[i].rfind("dummy_", 0) == 0) {
      EXPECT_EQ(s.documents[i], kDummyDocument);
    }
  ASSERT_EQ(s.answers.size(), 1u);
  EXPECT_EQ(s.doc_ids[size_t(s.answers[0])], "d1");
}

TEST(RankingSampling, OnlyTheFirstNumDocumentsAnswersArePositives) {
  const RankingRow r = parse_ranking_row(row_with(3, {"d0", "d1", "d2"}), 0);
  const SampledRanking s = sample_for_training(r, 2, 42);
  std::vector<std::string> sorted = s.doc_ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::string>{"d0", "d1"}));
  EXPECT_EQ(s.answers.size(), 2u);
}

TEST(RankingSampling, EvaluationKeepsFileOrderUnlessAskedToShuffle) {
  const RankingRow r = parse_ranking_row(row_with(6, {"d4"}), 0);
  const SampledRanking all = select_for_evaluation(r, -1, false, 42);
  EXPECT_EQ(all.doc_ids, (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4", "d5"}));
  EXPECT_EQ(all.answers, (std::vector<int64_t>{4}));
  EXPECT_EQ(select_for_evaluation(r, 3, false, 42).doc_ids, (std::vector<std::string>{"d0", "d1", "d2"}));
  EXPECT_TRUE(select_for_evaluation(r, 3, false, 42).answers.empty());
  EXPECT_EQ(select_for_evaluation(r, 99, false, 42).doc_ids.size(), 6u);  // no padding in evaluation
  const SampledRanking shuffled = select_for_evaluation(r, -1, true, 42);
  std::vector<std::string> sorted = shuffled.doc_ids;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, all.doc_ids);
  EXPECT_EQ(shuffled.doc_ids[size_t(shuffled.answers[0])], "d4");
}

TEST(RankingSplit, HeldOutShareRoundsUpAndIsSeeded) {
  const RowSplit s = split_rows(10, 0.8, 42);
  EXPECT_EQ(s.test.size(), 2u);
  EXPECT_EQ(s.train.size(), 8u);
  std::set<int64_t> all(s.train.begin(), s.train.end());
  all.insert(s.test.begin(), s.test.end());
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(split_rows(10, 0.8, 42).test, s.test);
  EXPECT_EQ(split_rows(3, 0.99, 42).test.size(), 1u);  // ceil(0.01·3) = 1
  EXPECT_TRUE(split_rows(5, 1.0, 42).test.empty());
  EXPECT_CONTAINS(error_of([] { split_rows(1, 0.99, 42); }), "holds out all 1 rows");
}

settings::BlockRankDataSettings data_settings(const std::string& path) {
  settings::BlockRankDataSettings s;
  s.data_path = path;
  s.num_documents = 3;
  s.train_test_split = 0.75;
  return s;
}

TEST(RankingData, TrainingSplitsSamplesAndBuildsBlocks) {
  ScratchDir dir;
  std::vector<json> rows;
  for (int i = 0; i < 8; ++i) rows.push_back(row_with(5, {"d1", "nope"}, "query " + std::to_string(i)));
  const settings::BlockRankDataSettings s = data_settings(dir.write("t.jsonl", jsonl(rows)));
  const tokenizer::Tokenizer tok = blockrank_toy_tokenizer();
  const RankingData data = load_ranking_training_data(s, tok);
  EXPECT_EQ(data.train.size(), 6u);
  EXPECT_EQ(data.val.size(), 2u);
  EXPECT_EQ(data.report.rows.dropped_answer_ids, 8);
  ASSERT_FALSE(data.report.warnings.empty());
  EXPECT_CONTAINS(data.report.warnings[0], "8 answer ids in 8 rows name no document");
  std::set<int64_t> seen;
  for (const auto* set : {&data.train, &data.val})
    for (const RankingExample& e : *set) {
      seen.insert(e.row);
      EXPECT_EQ(e.blocks.size(), 5u);  // N + 2
      EXPECT_EQ(e.answers.size(), 1u);
      EXPECT_EQ(e.completion_tokens, 4);  // "[k]" + </s>
      EXPECT_EQ(e.blocks.back().back(), 2);
      EXPECT_EQ(e.query_id, std::to_string(e.row));
    }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_CONTAINS(data.report.example0_text, "Final Answer: ");
}

TEST(RankingData, ASeparateValidationFileReplacesTheSplit) {
  ScratchDir dir;
  settings::BlockRankDataSettings s = data_settings(dir.write("t.jsonl", jsonl({row_with(2, {"d0"}), row_with(2, {"d0"})})));
  s.val_data_path = dir.write("v.jsonl", jsonl({row_with(4, {"d3"})}));
  const RankingData data = load_ranking_training_data(s, blockrank_toy_tokenizer());
  EXPECT_EQ(data.train.size(), 2u);
  ASSERT_EQ(data.val.size(), 1u);
  EXPECT_EQ(data.val[0].blocks.size(), 5u);  // training sampling: 3 documents
  for (const auto& e : data.train) EXPECT_EQ(std::count(e.doc_ids.begin(), e.doc_ids.end(), "dummy_2"), 1);
}

TEST(RankingData, EvaluationKeepsEveryDocumentAndEndsAtTheBracket) {
  ScratchDir dir;
  settings::BlockRankEvalSettings s;
  s.data_path = dir.write("e.jsonl", jsonl({row_with(6, {"d2"}), row_with(2, {})}));
  const RankingEvalData data = load_ranking_eval_data(s, blockrank_toy_tokenizer());
  ASSERT_EQ(data.examples.size(), 2u);
  EXPECT_EQ(data.examples[0].blocks.size(), 8u);
  EXPECT_EQ(data.examples[0].answers, (std::vector<int64_t>{2}));
  EXPECT_EQ(data.examples[0].doc_ids, (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4", "d5"}));
  EXPECT_EQ(data.examples[1].blocks.size(), 4u);
  EXPECT_EQ(data.examples[0].completion_tokens, 1);
  EXPECT_EQ(data.examples[0].blocks.back().back(), 3 + '[');
}

TEST(RankingPrompt, ASeparatorInsideADocumentIsAnError) {
  const RankingRow r = parse_ranking_row(
      json{{"query", "q"}, {"documents", {std::string("a ") + kBlockSeparator + " b"}}}, 4);
  const tokenizer::Tokenizer tok = blockrank_toy_tokenizer();
  const ChatRenderer chat(tok);
  EXPECT_CONTAINS(error_of([&] { make_ranking_example(select_for_evaluation(r, -1, false, 42), tok, chat, false); }),
                  "row 4 (query_id 4): the prompt splits into 5 blocks instead of 4");
}

TEST(RankingPrompt, TrainingWithoutPositivesAnswersAnEmptyList) {
  SampledRanking s;
  s.query = "q";
  s.documents = {"a"};
  EXPECT_EQ(ranking_messages(s, true)[1]["content"].get<std::string>(), std::string("Final Answer: ") + kBlockSeparator + "[]");
  EXPECT_EQ(ranking_messages(s, false)[1]["content"].get<std::string>(), std::string("Final Answer: ") + kBlockSeparator + "[");
  s.answers = {0, 2};
  EXPECT_EQ(ranking_messages(s, true)[1]["content"].get<std::string>(), std::string("Final Answer: ") + kBlockSeparator + "[0, 2]");
}

}  // namespace
}  // namespace ragforge::data::testing
