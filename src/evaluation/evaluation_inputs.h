// The examples an evaluation scores, joined as RAG-FiT's evaluation.py joins
// them: the rows of data_file in file order (the first `limit` of them when
// set), and for row i the generated text of line i of generated_file
// (key_names.generated, e.g. inference's {"text": ..., "target": ...}). The
// label comes from the data row (key_names.label), not from the generated
// line's "target".
//
// Everything is checked before any scoring: both files parse, generated_file
// has a line for every scored row, each has its text (a string) and each
// data row has a label that fits every configured metric. Errors name the
// file, the line and the key, and say how to fix it.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "settings/evaluation_settings.h"

namespace ragforge::evaluation {

struct EvaluationExample {
  int64_t data_line = 0;       // 1-based line of the data row in data_file
  int64_t generated_line = 0;  // 1-based line in generated_file
  std::string generated;       // the generated text, before the answer processor
  nlohmann::json label;        // the data row's key_names.label value
};

struct EvaluationInputs {
  std::vector<EvaluationExample> examples;  // the scored rows, in data_file order
  size_t data_rows = 0;       // rows in data_file (before `limit`)
  size_t generated_rows = 0;  // lines with an object in generated_file
};

EvaluationInputs read_evaluation_inputs(const settings::EvaluationSettings& s);

}  // namespace ragforge::evaluation
