#include "evaluation/evaluation_inputs.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "evaluation/jsonl_objects.h"
#include "evaluation/labels.h"

namespace ragforge::evaluation {
namespace {

std::string at(const std::string& path, int64_t line) { return path + ":" + std::to_string(line); }

void require_readable(const std::string& path, const std::string& key) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(path + ": no such file (" + key + "=" + path + "); give the path with " + key + "=<file.jsonl>");
}

// The row's label for every metric, or an error naming the line and key.
nlohmann::json checked_label(const settings::EvaluationSettings& s, const JsonlObject& row) {
  const std::string& key = s.key_names.label;
  const auto it = row.value.find(key);
  if (s.metrics.empty()) return it == row.value.end() ? nlohmann::json() : *it;  // nothing reads it
  if (it == row.value.end())
    throw Error(at(s.data_file, row.line) + ": no key '" + key + "' (key_names.label) in this row; its keys are " +
                keys_of(row.value) + ". Set key_names.label=<the key holding the reference answers>");
  if (it->is_null())
    throw Error(at(s.data_file, row.line) + ": '" + key + "' (key_names.label) is null; every scored row needs a "
                "reference answer (or set key_names.label=<another key>)");
  for (const auto& m : s.metrics) {
    const std::string problem = label_problem(m.kind, *it);
    if (!problem.empty())
      throw Error(at(s.data_file, row.line) + ": '" + key + "' (key_names.label) does not fit " +
                  settings::metric_name(m.kind) + " (metrics." + std::to_string(m.index) + "): " + problem);
  }
  return *it;
}

std::string checked_text(const settings::EvaluationSettings& s, const JsonlObject& line) {
  const std::string& key = s.key_names.generated;
  const auto it = line.value.find(key);
  if (it == line.value.end())
    throw Error(at(s.generated_file, line.line) + ": no key '" + key + "' (key_names.generated) in this line; its "
                "keys are " + keys_of(line.value) + ". Inference writes {\"text\": ..., \"target\": ...}: set "
                "key_names.generated=<the key holding the generated text>");
  if (!it->is_string())
    throw Error(at(s.generated_file, line.line) + ": '" + key + "' (key_names.generated) must be a string, got " +
                it->type_name());
  return it->get<std::string>();
}

}  // namespace

EvaluationInputs read_evaluation_inputs(const settings::EvaluationSettings& s) {
  require_readable(s.data_file, "data_file");  // both, before reading either
  require_readable(s.generated_file, "generated_file");
  const auto data = read_jsonl_objects(s.data_file, "data_file");
  const auto generated = read_jsonl_objects(s.generated_file, "generated_file");

  EvaluationInputs in;
  in.data_rows = data.size();
  in.generated_rows = generated.size();
  if (data.empty()) throw Error(s.data_file + ": no rows to evaluate (data_file=" + s.data_file + ")");
  const size_t n = s.limit ? std::min(data.size(), static_cast<size_t>(*s.limit)) : data.size();
  if (generated.size() < n)
    throw Error(s.generated_file + ": has " + std::to_string(generated.size()) + " generated lines, but " +
                std::to_string(n) + " data rows are scored" + (s.limit ? " (limit=" + std::to_string(*s.limit) + ")" : "") +
                "; line i of generated_file answers row i of data_file (" + s.data_file +
                "), so finish or rerun the inference, or score fewer rows with limit=" +
                std::to_string(generated.size()));

  in.examples.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    EvaluationExample ex;
    ex.data_line = data[i].line;
    ex.generated_line = generated[i].line;
    ex.label = checked_label(s, data[i]);
    ex.generated = checked_text(s, generated[i]);
    in.examples.push_back(std::move(ex));
  }
  return in;
}

}  // namespace ragforge::evaluation
