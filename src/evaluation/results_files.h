// What an evaluation writes.
//
// results_file: RAG-FiT's results, as yaml.dump(results, sort_keys=True):
//   global:
//     accuracy: 0.5
//     f1: 0.4920634920634921
//     precision: 0.5277777777777778
//     recall: 0.47222222222222215
//   local:
//     EM: 0.5
//     F1: 0.6666666666666666
// (`global: {}` / `local: {}` when no metric of that kind is configured).
//
// <results_file stem>.per_example.jsonl (ragforge's, for inspection): one
// line per scored example, in data_file order:
//   {"index": 0, "data_line": 1, "generated_line": 1, "generated": "<raw text>",
//    "prediction": "<after the answer processor>", "label": <the label as in data_file>,
//    "scores": {"EM": 1, "F1": 1.0},
//    "classification": {"prediction_class": 1, "label_class": 1}}
// "scores" holds the local metrics (EM as 0/1); "classification" appears
// only with Classification.
#pragma once
#include <string>

#include "evaluation/evaluation_inputs.h"
#include "evaluation/evaluation_run.h"

namespace ragforge::evaluation {

std::string results_yaml(const EvaluationResults& r);
std::string per_example_jsonl(const EvaluationInputs& in, const EvaluationResults& r);

// Writes both files atomically (per-example first, then results_file); if
// the second write fails the first is removed, so a failed run leaves
// neither. Throws ragforge::Error naming the path.
void write_results_files(const std::string& results_file, const EvaluationInputs& in, const EvaluationResults& r);

}  // namespace ragforge::evaluation
