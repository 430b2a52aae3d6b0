// The step-confidence recipe's three dataset readers (recipes.md §4.1), each
// reading the original files in their native format:
//
//   prm800k  <dir>/phase<P>_<split>.jsonl    per label.steps item: the chosen completion
//            (chosen_completion >= 0), else human_completion; rating 1/0/-1 -> 1/0.5/0,
//            a null or other rating skips the step
//   reveal   <dir>/<split>.json (JSON lines) rows grouped by question_id in file order;
//            Fully 1, Partially 0.5, Unsupported 0.25, Contradictory 0, other 0.25; rows
//            without attribution_label skipped
//   eqasc    <dir>/eqasc_<split>_grc.json    one example per (question, choice, chain);
//            each fact with text is a step, label clamp((score-10)/78, 0, 1)
//
// Examples without steps are dropped (counted). max_records caps the input
// records read (lines, or array items for eQASC); <= 0 reads all. Malformed
// records throw ragforge::Error naming the file and line (or item).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/step_confidence_example.h"

namespace ragforge::data {

struct StepLoadReport {
  int64_t records = 0;               // input records read
  int64_t examples = 0;              // examples kept
  int64_t dropped_no_steps = 0;      // records (or chains) without a usable step
  int64_t skipped_null_rating = 0;   // prm800k
  int64_t skipped_other_rating = 0;  // prm800k
};

std::vector<StepExample> load_prm800k(const std::string& file, int64_t max_records, StepLoadReport* report = nullptr);
std::vector<StepExample> load_reveal(const std::string& file, int64_t max_records, StepLoadReport* report = nullptr);
std::vector<StepExample> load_eqasc(const std::string& file, int64_t max_records, StepLoadReport* report = nullptr);

// The file each reader opens for a dataset folder and split, as the original
// names them; eQASC's split must be train, dev or test.
std::string prm800k_file(const std::string& dir, int64_t phase, const std::string& split);
std::string reveal_file(const std::string& dir, const std::string& split);
std::string eqasc_file(const std::string& dir, const std::string& split);

// Dispatch on the dataset name ("prm800k", "reveal", "eqasc").
std::vector<StepExample> load_step_dataset(const std::string& name, const std::string& file, int64_t max_records,
                                           StepLoadReport* report = nullptr);

}  // namespace ragforge::data
