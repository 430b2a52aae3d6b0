// The label (reference answer) of a data row, in the shape each metric reads
// it, as RAG-FiT's metrics do:
//   EM, F1          a string, or a list of strings (the best item counts)
//   StringEM        ASQA qa_pairs: a list of lists of short answers
//   Classification  a string, or a list whose FIRST item is the label
// Each reader returns the typed value, or sets `problem` to what is wrong
// (for an error message naming the file, line and key).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "settings/evaluation_settings.h"

namespace ragforge::evaluation {

using AnswerList = std::vector<std::string>;   // EM / F1 targets
using QaPairs = std::vector<AnswerList>;       // StringEM targets

std::optional<AnswerList> read_answer_list(const nlohmann::json& label, std::string& problem);
std::optional<QaPairs> read_qa_pairs(const nlohmann::json& label, std::string& problem);
std::optional<std::string> read_class_label(const nlohmann::json& label, std::string& problem);

// What is wrong with `label` for `kind`; "" when it fits.
std::string label_problem(settings::MetricKind kind, const nlohmann::json& label);

}  // namespace ragforge::evaluation
