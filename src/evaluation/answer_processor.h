// RAG-FiT's answer processors (ragfit/processing/answer_processors/regex.py):
// the post-processing applied to each generated text before any metric
// sees it.
//
// RegexAnswer (the version RAG-FiT's published numbers used):
//   1. capture_pattern set: re.search(capture, text, MULTILINE | DOTALL);
//      on a match the text becomes group 1 (so "<ANSWER>: (.*)" runs to the
//      END of the text, later tags included); no match keeps the text.
//   2. stopping_pattern set: re.split(stopping, text)[0], the text before
//      the first match (searched with no flags).
// SimpleRegex:
//   pattern set: the text after the end of the LAST match of
//   re.finditer(pattern, text, MULTILINE | DOTALL | IGNORECASE); no match
//   gives "". No pattern keeps the text.
//
// Patterns are Python `re` syntax run by RE2 (python_regex.h says what
// differs). A group 1 that took no part in the match gives "".
#pragma once
#include <memory>
#include <string>

#include "settings/evaluation_settings.h"

namespace re2 {
class RE2;
}

namespace ragforge::evaluation {

class AnswerProcessor {
 public:
  // Compiles the patterns; a bad pattern, or a capture_pattern without a
  // group, is a ragforge::Error naming the key.
  explicit AnswerProcessor(const settings::AnswerProcessorSettings& s);
  ~AnswerProcessor();
  AnswerProcessor(AnswerProcessor&&) noexcept;
  AnswerProcessor& operator=(AnswerProcessor&&) noexcept;

  std::string operator()(const std::string& text) const;

 private:
  std::string regex_answer(const std::string& text) const;
  std::string simple_regex(const std::string& text) const;

  settings::AnswerProcessorKind kind_;
  std::unique_ptr<re2::RE2> capture_;   // RegexAnswer step 1; null: off
  std::unique_ptr<re2::RE2> stopping_;  // RegexAnswer step 2; null: off
  std::unique_ptr<re2::RE2> pattern_;   // SimpleRegex; null: off
};

}  // namespace ragforge::evaluation
