// One evaluation, as RAG-FiT's evaluation.py runs it:
//   1. read and join the files (evaluation_inputs.h), compile the answer
//      processor: every check before any scoring;
//   2. apply the answer processor to each generated text;
//   3. each local metric (EM, F1, StringEM) scores every example, and its
//      scores are averaged over the examples; each global metric
//      (Classification) scores the whole set;
//   4. write results_file, YAML {global: {...}, local: {...}} with sorted
//      keys, byte for byte as yaml.dump(results, sort_keys=True) writes it,
//      and beside it <stem>.per_example.jsonl (results_files.h); both
//      atomically, so a failed run leaves neither half-written.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "evaluation/answer_processor.h"
#include "evaluation/evaluation_inputs.h"
#include "settings/evaluation_settings.h"

namespace ragforge::evaluation {

struct LocalScore {
  std::string name;   // "EM", "F1", "StringEM"
  double value = 0;
  bool integer = false;  // EM's measure() returns an int
};

struct ExampleScores {
  std::string prediction;           // the generated text after the answer processor
  std::vector<LocalScore> local;    // in metrics order
  std::optional<int64_t> prediction_class, label_class;  // with Classification
};

struct EvaluationResults {
  std::map<std::string, double> local;   // metric -> mean over the examples
  std::map<std::string, double> global;  // accuracy, precision, recall, f1
  std::vector<ExampleScores> examples;   // parallel to EvaluationInputs::examples
};

// Steps 2-3 on inputs that passed read_evaluation_inputs; a null
// `answer_processor` scores the texts as generated.
EvaluationResults score_examples(const settings::EvaluationSettings& s, const EvaluationInputs& in,
                                 const AnswerProcessor* answer_processor);

// Steps 1-4. Progress and notes go to `log`; the results are returned.
EvaluationResults run_evaluation(const settings::EvaluationSettings& s, std::ostream& log);

}  // namespace ragforge::evaluation
