#include "evaluation/answer_processor.h"

#include <re2/re2.h>

#include "core/error.h"
#include "evaluation/python_regex.h"

namespace ragforge::evaluation {
namespace {

// `flags` is the inline form of the re flags the original passes.
std::unique_ptr<re2::RE2> compile(const std::string& key, const std::string& pattern, const char* flags) {
  if (pattern.empty()) return nullptr;
  std::string translated;
  try {
    translated = python_pattern_to_re2(pattern);
  } catch (const Error& e) {
    throw Error("answer_processor." + key + ": " + e.what());
  }
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(std::string(flags) + translated, opts);
  if (!re->ok())
    throw Error("answer_processor." + key + ": '" + pattern + "' is not a pattern ragforge can run: " + re->error() +
                " (ragforge matches Python patterns with RE2, which has no lookaround or backreferences)");
  return re;
}

// Bytes of the UTF-8 character starting at `i` (1 for a stray byte).
size_t utf8_length_at(const std::string& s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
  return i + n <= s.size() ? n : 1;
}

}  // namespace

AnswerProcessor::AnswerProcessor(const settings::AnswerProcessorSettings& s) : kind_(s.kind) {
  if (kind_ == settings::AnswerProcessorKind::SimpleRegex) {
    pattern_ = compile("pattern", s.pattern, "(?msi)");
    return;
  }
  capture_ = compile("capture_pattern", s.capture_pattern, "(?ms)");
  stopping_ = compile("stopping_pattern", s.stopping_pattern, "");
  if (capture_ && capture_->NumberOfCapturingGroups() < 1)
    throw Error("answer_processor.capture_pattern: '" + s.capture_pattern +
                "' has no group; RegexAnswer keeps group 1, e.g. \"<ANSWER>: (.*)\"");
}

AnswerProcessor::~AnswerProcessor() = default;
AnswerProcessor::AnswerProcessor(AnswerProcessor&&) noexcept = default;
AnswerProcessor& AnswerProcessor::operator=(AnswerProcessor&&) noexcept = default;

std::string AnswerProcessor::operator()(const std::string& text) const {
  return kind_ == settings::AnswerProcessorKind::SimpleRegex ? simple_regex(text) : regex_answer(text);
}

std::string AnswerProcessor::regex_answer(const std::string& text) const {
  std::string out = text;
  if (capture_) {
    re2::StringPiece groups[2];
    if (capture_->Match(out, 0, out.size(), re2::RE2::UNANCHORED, groups, 2))
      out = groups[1].data() ? std::string(groups[1].data(), groups[1].size()) : std::string();
  }
  if (stopping_) {
    re2::StringPiece match;
    if (stopping_->Match(out, 0, out.size(), re2::RE2::UNANCHORED, &match, 1))
      out.resize(static_cast<size_t>(match.data() - out.data()));
  }
  return out;
}

std::string AnswerProcessor::simple_regex(const std::string& text) const {
  if (!pattern_) return text;
  // finditer: successive non-overlapping matches; after an empty match the
  // scan moves on by one character.
  bool found = false;
  size_t last_end = 0, pos = 0;
  re2::StringPiece match;
  while (pos <= text.size() && pattern_->Match(text, pos, text.size(), re2::RE2::UNANCHORED, &match, 1)) {
    found = true;
    const size_t start = static_cast<size_t>(match.data() - text.data());
    last_end = start + match.size();
    if (last_end > start) pos = last_end;
    else if (last_end < text.size()) pos = last_end + utf8_length_at(text, last_end);
    else break;
  }
  return found ? text.substr(last_end) : std::string();
}

}  // namespace ragforge::evaluation
