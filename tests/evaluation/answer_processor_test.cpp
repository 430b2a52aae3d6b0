// RegexAnswer and SimpleRegex as RAG-FiT's regex.py runs them, and the
// Python-pattern escapes rewritten for RE2.
#include <gtest/gtest.h>

#include <functional>

#include "core/error.h"
#include "support/error_of.h"
#include "eval_test_util.h"
#include "evaluation/answer_processor.h"
#include "evaluation/python_regex.h"

namespace ragforge::evaluation::testing {
namespace {

AnswerProcessor regex_answer(const std::string& capture, const std::string& stopping = "") {
  settings::AnswerProcessorSettings s;
  s.kind = settings::AnswerProcessorKind::RegexAnswer;
  s.capture_pattern = capture;
  s.stopping_pattern = stopping;
  return AnswerProcessor(s);
}

AnswerProcessor simple_regex(const std::string& pattern) {
  settings::AnswerProcessorSettings s;
  s.kind = settings::AnswerProcessorKind::SimpleRegex;
  s.pattern = pattern;
  return AnswerProcessor(s);
}

using ragforge::testing::error_of;

TEST(RegexAnswer, CaptureRunsToTheEndWithDotall) {
  const auto p = regex_answer("<ANSWER>: (.*)");
  EXPECT_EQ(p("why\n<ANSWER>: Paris\nbecause"), "Paris\nbecause");
  EXPECT_EQ(p("<ANSWER>: a <ANSWER>: b"), "a <ANSWER>: b");
  EXPECT_EQ(p("no tag"), "no tag");  // no match keeps the text
  EXPECT_EQ(p(""), "");
}

TEST(RegexAnswer, MultilineAnchorsAndStoppingPattern) {
  EXPECT_EQ(regex_answer("^Answer: (\\w+)$")("x\nAnswer: caf\xC3\xA9\ny"), "caf\xC3\xA9");  // Unicode \w, ^/$ per line
  EXPECT_EQ(regex_answer("", "[,.;]")("Paris, France."), "Paris");
  EXPECT_EQ(regex_answer("<ANSWER>: (.*)", "\n")("<ANSWER>: one\ntwo"), "one");
  EXPECT_EQ(regex_answer("", "x*")("abc"), "");         // an empty first match: re.split(...)[0] == ""
  EXPECT_EQ(regex_answer("", ";")("no stop here"), "no stop here");
  EXPECT_EQ(regex_answer("(a)|b")("b"), "");            // group 1 took no part
  EXPECT_EQ(regex_answer("", "$")("a\nb"), "a\nb");     // $ without MULTILINE: the very end
}

TEST(RegexAnswer, BadPatternsNameTheKey) {
  EXPECT_CONTAINS(error_of([] { regex_answer("<ANSWER>: .*"); }), "capture_pattern");
  EXPECT_CONTAINS(error_of([] { regex_answer("<ANSWER>: .*"); }), "has no group");
  EXPECT_CONTAINS(error_of([] { regex_answer("(unclosed"); }), "answer_processor.capture_pattern: '(unclosed'");
  EXPECT_CONTAINS(error_of([] { regex_answer("(x)", "(?<=a)b"); }), "answer_processor.stopping_pattern");
  EXPECT_CONTAINS(error_of([] { regex_answer("(x)", "(?<=a)b"); }), "lookaround");
  EXPECT_CONTAINS(error_of([] { regex_answer("([\\S])"); }), "inside [...]");
}

TEST(SimpleRegex, TextAfterTheLastMatch) {
  const auto p = simple_regex("answer is: ");
  EXPECT_EQ(p("The answer is: 42.\nThe Answer is: 43."), "43.");  // IGNORECASE, the last match
  EXPECT_EQ(p("nothing"), "");                                    // no match gives ""
  EXPECT_EQ(simple_regex("")("kept"), "kept");
  EXPECT_EQ(simple_regex("a*")("baa"), "");  // the last (empty) match is at the end
}

TEST(PythonRegex, EscapesWithPythonMeaning) {
  EXPECT_EQ(python_pattern_to_re2("\\d+"), "\\p{Nd}+");
  EXPECT_EQ(python_pattern_to_re2("[\\d,]"), "[\\p{Nd},]");
  EXPECT_EQ(python_pattern_to_re2("\\w"), "[\\p{L}\\p{N}_]");
  EXPECT_EQ(python_pattern_to_re2("[^\\w.]"), "[^\\p{L}\\p{N}_.]");
  EXPECT_EQ(python_pattern_to_re2("a\\Z"), "a\\z");
  EXPECT_EQ(python_pattern_to_re2("\\u00e9"), "\\x{00e9}");
  EXPECT_EQ(python_pattern_to_re2("[]\\w]"), "[]\\p{L}\\p{N}_]");  // "]" first in a class is literal
  EXPECT_EQ(python_pattern_to_re2("\\[\\w\\]"), "\\[[\\p{L}\\p{N}_]\\]");
  EXPECT_EQ(python_pattern_to_re2("<ANSWER>: (.*)"), "<ANSWER>: (.*)");
  EXPECT_THROW(python_pattern_to_re2("[\\W]"), Error);
  // Python's whitespace: NBSP splits, ZERO WIDTH SPACE does not.
  EXPECT_EQ(regex_answer("a\\s(b)")("a\xC2\xA0" "b"), "b");
  EXPECT_EQ(regex_answer("a\\s(b)")("a\xE2\x80\x8B" "b"), "a\xE2\x80\x8B" "b");
  EXPECT_EQ(regex_answer("(\\d+)")("year \xD9\xA1\xD9\xA9"), "\xD9\xA1\xD9\xA9");  // Arabic-Indic digits
}

}  // namespace
}  // namespace ragforge::evaluation::testing
