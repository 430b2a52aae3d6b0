// CLaRa's JSONL rows (recipes.md §2.1): key fallbacks, stage rules, errors.
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/clara_rows.h"

namespace ragforge::data {
namespace {

using nlohmann::json;

ClaraRow parse(const json& j, const std::string& stage = "stage1_2", int64_t k = 2) {
  std::vector<std::string> w;
  return parse_clara_row(j, 0, stage, k, "train.jsonl", w);
}

std::string error_of(const json& j, const std::string& stage = "stage1_2", int64_t k = 2) {
  try {
    parse(j, stage, k);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ClaraRows, KeyFallbacksInOrder) {
  auto r = parse({{"context", {"a", "b"}}, {"question", "q"}, {"answer", "teacher"}, {"answers", {"gold"}}});
  EXPECT_EQ(r.docs, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.answers, (std::vector<std::string>{"teacher"}));  // answer always wins
  EXPECT_EQ(parse({{"content", {"a", "b"}}, {"question", "q"}, {"answers", "s"}}).answers[0], "s");
  EXPECT_EQ(parse({{"docs", {"a", "b"}}, {"question", "q"}, {"golden_answers", {"g0", "g1"}}}).answers[0], "g0");
  auto g = parse({{"docs", {"a", "b", "c"}}, {"question", "q"}, {"gold_answer", "x"}, {"pos_index", {2}}}, "stage2", 2);
  EXPECT_EQ(g.answers[0], "x");
  EXPECT_EQ(g.pos_index, (std::vector<int64_t>{2}));
  EXPECT_EQ(g.data_type, "qa");
}

TEST(ClaraRows, ClearErrors) {
  EXPECT_NE(error_of({{"question", "q"}, {"answer", "a"}}).find("no document list (docs, context or content)"),
            std::string::npos);
  EXPECT_NE(error_of({{"docs", {"a", "b"}}, {"question", "q"}}).find("no answer"), std::string::npos);
  EXPECT_NE(error_of({{"docs", {"a", "b"}}, {"answer", "a"}}).find("missing key 'question'"), std::string::npos);
  auto short_list = error_of({{"docs", {"a"}}, {"question", "q"}, {"answer", "a"}}, "stage2", 5);
  EXPECT_NE(short_list.find("train.jsonl row 1: the document list has 1 candidates, fewer than generation_top_k = 5"),
            std::string::npos)
      << short_list;
  EXPECT_NE(error_of({{"docs", {"a", "b"}}, {"question", "q"}, {"answer", "a"}}, "stage1").find("exactly 1 document"),
            std::string::npos);
  EXPECT_NE(error_of({{"docs", {"a"}}, {"question", "q"}, {"answer", "a"}, {"pos_index", {3}}}, "stage2", 1)
                .find("pos_index entry 3"),
            std::string::npos);
  EXPECT_THROW(check_clara_stage("stage2_mips"), Error);
  EXPECT_NO_THROW(check_clara_stage("stage2_pretrain_retrieval"));
}

TEST(ClaraRows, StageOneQaMismatchWarnsAndUsesTheShorter) {
  std::vector<std::string> w;
  auto r = parse_clara_row({{"docs", {"d"}}, {"question", {"q1", "q2"}}, {"answers", {"a1"}}}, 3, "stage1", 1, "f", w);
  EXPECT_EQ(r.questions.size(), 1u);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("f row 4: 2 questions but 1 answers"), std::string::npos);
  auto p = parse({{"docs", {"d"}}, {"answers", {"para"}}, {"data_type", "paraphrase"}}, "stage1", 1);
  EXPECT_TRUE(p.questions.empty());
}

}  // namespace
}  // namespace ragforge::data
