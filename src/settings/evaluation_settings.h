// The `evaluation` app's config, in RAG-FiT's evaluation.yaml layout
// (evaluation.py): which generated file to score against which data file,
// the metrics (`_target_`s), an optional answer processor, the key names and
// where the results go. Torch-free and linked into the static front, so a
// typo, a missing key or a metric ragforge does not implement is reported in
// milliseconds, before the run directory exists.
//
//   answer_processor: {_target_: ragfit.processing.answer_processors.regex.RegexAnswer,
//                      capture_pattern: "<ANSWER>: (.*)", stopping_pattern: null}
//   metrics: [{_target_: ragfit.evaluation.metrics.EM}, {_target_: ragfit.evaluation.metrics.F1}]
//   key_names: {generated: text, label: answers, query: query, context: context}
//   generated_file: x-generated.jsonl   data_file: x.jsonl   results_file: x-results.yaml   limit: null
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config_view.h"

namespace ragforge::settings {

// The metrics ragforge computes natively (recipes.md §1.5, Decision 8).
enum class MetricKind { EM, F1, StringEM, Classification };

// "EM", "F1", "StringEM", "Classification": the class name in RAG-FiT.
const char* metric_name(MetricKind kind);
// Local metrics score each example and are averaged over the examples;
// a global one (Classification) scores the whole set at once.
bool is_local_metric(MetricKind kind);

// RAG-FiT's Classification(mapping, else_value).
struct ClassificationSettings {
  // Normalised label text -> class, in config order ({"yes": 1, "no": 0, "maybe": 2}).
  std::vector<std::pair<std::string, int64_t>> mapping;
  int64_t else_value = 2;  // the class of a label outside the mapping
};

struct MetricSettings {
  MetricKind kind = MetricKind::EM;
  std::string target;      // the `_target_` as written
  size_t index = 0;        // position in `metrics:`
  ClassificationSettings classification;  // Classification only
};

// RAG-FiT's answer processors (ragfit/processing/answer_processors/regex.py).
// The patterns are compiled by the evaluation run (RE2), not here.
enum class AnswerProcessorKind {
  // Keep group 1 of the first match of `capture_pattern` (searched with
  // MULTILINE | DOTALL; no match keeps the text), then cut the text at the
  // first match of `stopping_pattern`. "" switches a step off.
  RegexAnswer,
  // Keep the text after the last match of `pattern` (MULTILINE | DOTALL |
  // IGNORECASE); no match gives ""; "" keeps the text.
  SimpleRegex,
};

struct AnswerProcessorSettings {
  AnswerProcessorKind kind = AnswerProcessorKind::RegexAnswer;
  std::string target;            // the `_target_` as written
  std::string capture_pattern;   // RegexAnswer
  std::string stopping_pattern;  // RegexAnswer
  std::string pattern;           // SimpleRegex
};

// `key_names`: field names in the data and generated files.
struct EvaluationKeyNames {
  std::string generated = "text";  // the generated text, in generated_file
  std::string label;               // the reference answer, in data_file (required)
  std::string query = "query";     // read by RAG-FiT's LLM-judged metrics only
  std::string context = "context"; // idem
};

struct EvaluationSettings {
  std::string generated_file;  // JSONL, line i answers data row i (required)
  std::string data_file;       // JSONL holding the labels (required)
  std::string results_file;    // YAML {global, local}; "" (null): not written
  EvaluationKeyNames key_names;
  std::vector<MetricSettings> metrics;  // in config order; may be empty
  std::optional<AnswerProcessorSettings> answer_processor;  // nullopt: texts scored as generated
  std::optional<int64_t> limit;  // score the first N data rows; null or 0: all (RAG-FiT's `if limit:`)
};

// Validates the whole config: unknown keys (with "did you mean"), types,
// required keys, every metric's `_target_` and parameters, duplicates. A
// metric ragforge does not implement (BERTScore, Semantic, HFEvaluate,
// DeepEval/RAGAS, ...) is an error naming it, the supported metrics and the
// `~metrics.N` override that drops it.
EvaluationSettings parse_evaluation_settings(const config::ConfigView& root);

// The supported `_target_` spellings of one metric, e.g. for EM:
// ragfit.evaluation.metrics.EM, ragfoundry.evaluation.metrics.EM,
// src.evaluation.metrics.EM, ragforge.evaluation.EM.
std::vector<std::string> metric_targets(MetricKind kind);
// The supported `_target_` spellings of the answer processors
// (ragfit.processing.answer_processors.regex.RegexAnswer, ...).
std::vector<std::string> answer_processor_targets();

// Where the per-example scores go: results_file with its extension replaced
// by `.per_example.jsonl` ("out/eval.yaml" -> "out/eval.per_example.jsonl").
std::string per_example_path(const std::string& results_file);

}  // namespace ragforge::settings
