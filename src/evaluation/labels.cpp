#include "evaluation/labels.h"

namespace ragforge::evaluation {
namespace {

// A short rendering of a JSON value for messages.
std::string preview(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace

std::optional<AnswerList> read_answer_list(const nlohmann::json& label, std::string& problem) {
  if (label.is_string()) return AnswerList{label.get<std::string>()};
  if (label.is_array() && !label.empty()) {
    AnswerList out;
    for (const auto& item : label) {
      if (!item.is_string()) {
        problem = "expected a string or a list of strings, got a list holding " + preview(item);
        return std::nullopt;
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  problem = label.is_array() ? "expected a string or a list of strings, got an empty list"
                             : "expected a string or a list of strings, got " + preview(label);
  return std::nullopt;
}

std::optional<QaPairs> read_qa_pairs(const nlohmann::json& label, std::string& problem) {
  const std::string want = "expected ASQA qa_pairs, a list of lists of short answers like [[\"1969\"], "
                           "[\"Beatles\", \"the Beatles\"]], got ";
  if (!label.is_array() || label.empty()) {
    problem = want + (label.is_array() ? "an empty list" : preview(label));
    return std::nullopt;
  }
  QaPairs out;
  for (const auto& pair : label) {
    if (!pair.is_array()) {
      problem = want + preview(label);
      return std::nullopt;
    }
    AnswerList answers;
    for (const auto& a : pair) {
      if (!a.is_string()) {
        problem = want + preview(label);
        return std::nullopt;
      }
      answers.push_back(a.get<std::string>());
    }
    out.push_back(std::move(answers));
  }
  return out;
}

std::optional<std::string> read_class_label(const nlohmann::json& label, std::string& problem) {
  if (label.is_string()) return label.get<std::string>();
  if (label.is_array() && !label.empty() && label.front().is_string()) return label.front().get<std::string>();
  problem = "expected a label string, or a list whose first item is one, got " + preview(label);
  return std::nullopt;
}

std::string label_problem(settings::MetricKind kind, const nlohmann::json& label) {
  std::string problem;
  switch (kind) {
    case settings::MetricKind::EM:
    case settings::MetricKind::F1: read_answer_list(label, problem); break;
    case settings::MetricKind::StringEM: read_qa_pairs(label, problem); break;
    case settings::MetricKind::Classification: read_class_label(label, problem); break;
  }
  return problem;
}

}  // namespace ragforge::evaluation
