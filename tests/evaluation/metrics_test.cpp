// Hand-computed cases for normalize_text and the metrics, beyond the golden
// set: Python's str semantics (lower, split, \b), list labels, empty texts,
// StringEM's raw short answers, Classification's mapping and sklearn's macro
// averages, numpy's pairwise mean.
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval_test_util.h"
#include "evaluation/classification.h"
#include "evaluation/labels.h"
#include "evaluation/local_metrics.h"
#include "evaluation/text_normalize.h"

namespace ragforge::evaluation::testing {
namespace {

TEST(NormalizeText, ArticlesArePythonWordsOnly) {
  EXPECT_EQ(normalize_text("The the THE tHe"), "");
  EXPECT_EQ(normalize_text("An apple a day"), "apple day");
  EXPECT_EQ(normalize_text("_the_"), "");             // "_" is punctuation, dropped first
  EXPECT_EQ(normalize_text("the2 a_b"), "the2 ab");    // digits are word characters
  EXPECT_EQ(normalize_text("theme another atheist"), "theme another atheist");
  EXPECT_EQ(normalize_text("a a a"), "");             // boundaries judged on the original text
  EXPECT_EQ(normalize_text("the\xC2\xBD"), "the\xC2\xBD");    // ½: numeric, so a word character
  EXPECT_EQ(normalize_text("the\xD9\xA3"), "the\xD9\xA3");    // Arabic-Indic three
  EXPECT_EQ(normalize_text("the\xE4\xB8\xAD"), "the\xE4\xB8\xAD");  // CJK letter
  EXPECT_EQ(normalize_text("the\xCC\x81 cat"), "\xCC\x81 cat");     // a combining mark is not
}

TEST(NormalizeText, PythonLowerIsFullCaseMapping) {
  EXPECT_EQ(python_lower("\xC4\xB0"), "i\xCC\x87");                                  // İ -> i + U+0307
  EXPECT_EQ(python_lower("\xCE\xA3\xCE\x91\xCE\xA3"), "\xCF\x83\xCE\xB1\xCF\x82");  // ΣΑΣ -> σας
  EXPECT_EQ(python_lower("\xCE\xA3"), "\xCF\x83");                                  // lone Σ -> σ
  EXPECT_EQ(python_lower("\xCE\x91\xCE\xA3."), "\xCE\xB1\xCF\x82.");                // ΑΣ. -> ας.
  EXPECT_EQ(python_lower("\xC7\x85"), "\xC7\x86");                                  // ǅ -> ǆ
  EXPECT_EQ(python_lower("STRASSE Stra\xC3\x9F" "e"), "strasse stra\xC3\x9F" "e");  // no folding of ß
}

TEST(NormalizeText, PunctuationIsAsciiOnly) {
  EXPECT_EQ(normalize_text("U.S.A.!?"), "usa");
  EXPECT_EQ(normalize_text("\xE2\x80\x9Chi\xE2\x80\x9D \xE2\x80\x94 x"), "\xE2\x80\x9Chi\xE2\x80\x9D \xE2\x80\x94 x");
  EXPECT_EQ(normalize_text("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), "");
}

TEST(NormalizeText, WhitespaceIsPythonStrSplit) {
  EXPECT_EQ(normalize_text("x\xC2\xA0y"), "x y");          // NBSP
  EXPECT_EQ(normalize_text("x\xE2\x80\x83y"), "x y");      // EM SPACE
  EXPECT_EQ(normalize_text("x\xE3\x80\x80y"), "x y");      // IDEOGRAPHIC SPACE
  EXPECT_EQ(normalize_text("x\xC2\x85y"), "x y");          // NEL
  EXPECT_EQ(normalize_text("x\x1c" "y\x1f" "z"), "x y z");
  EXPECT_EQ(normalize_text("x\xE2\x80\x8By"), "x\xE2\x80\x8By");  // ZERO WIDTH SPACE stays
  EXPECT_EQ(normalize_text("x\xEF\xBB\xBFy"), "x\xEF\xBB\xBFy");  // BOM stays
  EXPECT_EQ(normalize_text("  \t\n "), "");
  EXPECT_EQ(split_tokens(normalize_text(" a cat  sat ")), (std::vector<std::string>{"cat", "sat"}));
}

TEST(NormalizeText, NoUnicodeNormalization) {
  EXPECT_NE(normalize_text("caf\xC3\xA9"), normalize_text("cafe\xCC\x81"));
}

TEST(NormalizeText, InvalidUtf8IsAnError) { EXPECT_THROW(normalize_text("a\xFF"), Error); }

TEST(ExactMatch, ListTakesTheBestItemAndEmptyTextsMatch) {
  EXPECT_EQ(exact_match("The Paris!", {"London", "paris"}), 1);
  EXPECT_EQ(exact_match("Rome", {"London", "paris"}), 0);
  EXPECT_EQ(exact_match("", {""}), 1);
  EXPECT_EQ(exact_match("The", {""}), 1);  // both normalise to ""
  EXPECT_EQ(exact_match("an", {"a"}), 1);
}

TEST(TokenF1, MultisetOverlap) {
  // "b c d" vs "b c e": c = 2, P = R = 2/3.
  EXPECT_DOUBLE_EQ(token_f1("a b c d", "b c e"), 2.0 / 3.0);
  // "b b b" vs "b b": c = 2, P = 2/3, R = 1, F1 = 0.8.
  EXPECT_DOUBLE_EQ(token_f1("b b b", "b b"), (2 * (2.0 / 3.0) * 1.0) / (2.0 / 3.0 + 1.0));
  EXPECT_EQ(token_f1("", ""), 0.0);  // no overlap: 0, even for two empty texts
  EXPECT_EQ(token_f1("the", "a"), 0.0);
  EXPECT_DOUBLE_EQ(f1_score("red blue", {"purple", "blue", "red blue"}), 1.0);
  EXPECT_DOUBLE_EQ(f1_score("red blue", {"purple", "blue"}), 2.0 * 0.5 * 1.0 / 1.5);
}

TEST(StringEM, ShortAnswersAreComparedRaw) {
  const QaPairs pairs = {{"1969"}, {"Beatles", "the beatles"}, {"u.s."}};
  // norm: "beatles released it in 1969 in us"; "the beatles" keeps its article, so no match.
  EXPECT_DOUBLE_EQ(string_em("The Beatles released it in 1969 in the U.S.", pairs), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(string_em("anything", {{""}, {"x"}}), 0.5);  // "" is a substring of everything
  EXPECT_DOUBLE_EQ(string_em("cat", {{}, {"cat"}}), 0.5);       // an empty pair never matches
  EXPECT_DOUBLE_EQ(string_em("concatenate", {{"cat"}}), 1.0);   // substrings, not tokens
}

TEST(Labels, ShapesEachMetricReads) {
  std::string problem;
  EXPECT_EQ(*read_answer_list("x", problem), (AnswerList{"x"}));
  EXPECT_EQ(*read_answer_list(nlohmann::json::array({"a", "b"}), problem), (AnswerList{"a", "b"}));
  EXPECT_FALSE(read_answer_list(nlohmann::json::array(), problem));
  EXPECT_CONTAINS(problem, "empty list");
  EXPECT_FALSE(read_answer_list(nlohmann::json::array({nlohmann::json::array({"a"})}), problem));
  EXPECT_FALSE(read_answer_list(42, problem));
  EXPECT_CONTAINS(problem, "got 42");

  EXPECT_EQ(read_qa_pairs(nlohmann::json::parse(R"([["a"], ["b", "c"]])"), problem)->size(), 2u);
  EXPECT_FALSE(read_qa_pairs(nlohmann::json::parse(R"(["a", "b"])"), problem));
  EXPECT_CONTAINS(problem, "list of lists");
  EXPECT_FALSE(read_qa_pairs("a", problem));

  EXPECT_EQ(*read_class_label("yes", problem), "yes");
  EXPECT_EQ(*read_class_label(nlohmann::json::parse(R"(["no", "yes"])"), problem), "no");  // the FIRST item
  EXPECT_FALSE(read_class_label(nlohmann::json::parse(R"([["no"]])"), problem));
  EXPECT_FALSE(read_class_label(nlohmann::json::array(), problem));

  EXPECT_EQ(label_problem(settings::MetricKind::EM, "x"), "");
  EXPECT_NE(label_problem(settings::MetricKind::StringEM, "x"), "");
}

TEST(Classification, ClassesFromTextAndMapping) {
  EXPECT_EQ(prediction_class("Yes."), 1);
  EXPECT_EQ(prediction_class("NO"), 0);
  EXPECT_EQ(prediction_class("nothing"), 0);  // "no" is a substring
  EXPECT_EQ(prediction_class("eyes shut"), 1);
  EXPECT_EQ(prediction_class("yes and no"), 1);
  EXPECT_EQ(prediction_class("Maybe."), 2);
  EXPECT_EQ(prediction_class(""), 2);

  settings::ClassificationSettings c;
  c.mapping = {{"true", 1}, {"false", 0}};
  c.else_value = 7;
  EXPECT_EQ(label_class("True!", c), 1);  // normalised before the lookup
  EXPECT_EQ(label_class("FALSE", c), 0);
  EXPECT_EQ(label_class("maybe", c), 7);
}

TEST(Classification, MacroAveragesOverPresentClasses) {
  // Classes {0, 1}: class 0 P = 1/2, R = 1, F1 = 2/3; class 1 P = R = F1 = 0 (never predicted).
  const ClassificationScores s = classification_scores({0, 1}, {0, 0});
  EXPECT_DOUBLE_EQ(s.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(s.precision, 0.25);
  EXPECT_DOUBLE_EQ(s.recall, 0.5);
  EXPECT_DOUBLE_EQ(s.f1, (2.0 * 0.5 * 1.0 / 1.5) / 2.0);
  // A class only predicted (2) counts too, with recall 0 and precision 0.
  const ClassificationScores t = classification_scores({1, 1}, {1, 2});
  EXPECT_DOUBLE_EQ(t.precision, 0.5);    // (1 + 0) / 2
  EXPECT_DOUBLE_EQ(t.recall, 0.25);      // (1/2 + 0) / 2
  EXPECT_DOUBLE_EQ(t.f1, (2.0 * 1.0 * 0.5 / 1.5) / 2.0);
  const ClassificationScores one = classification_scores({2, 2}, {2, 2});
  EXPECT_EQ(one.accuracy, 1.0);
  EXPECT_EQ(one.f1, 1.0);
  EXPECT_THROW(classification_scores({}, {}), Error);
  EXPECT_THROW(classification_scores({1}, {1, 2}), Error);
}

TEST(Classification, NumpyPairwiseMean) {
  // Ten 0.1s: a left-to-right sum gives 0.9999999999999999, numpy's 8-way
  // pairwise sum gives 1.0, so the mean is exactly 0.1.
  EXPECT_EQ(numpy_mean(std::vector<double>(10, 0.1)), 0.1);
  EXPECT_EQ(python_mean(std::vector<double>(10, 0.1)), 0.09999999999999999);
  EXPECT_EQ(numpy_mean({0.25, 0.5}), 0.375);
}

}  // namespace
}  // namespace ragforge::evaluation::testing
