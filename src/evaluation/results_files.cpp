#include "evaluation/results_files.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "config/node.h"
#include "config/yaml_emit.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "settings/evaluation_settings.h"

namespace ragforge::evaluation {
namespace {

config::Node scores_node(const std::map<std::string, double>& scores) {
  config::Node n = config::Node::dict();
  for (const auto& [key, value] : scores) n.set(key, config::Node::floating(value));  // std::map: sorted keys
  return n;
}

}  // namespace

std::string results_yaml(const EvaluationResults& r) {
  config::Node root = config::Node::dict();
  root.set("global", scores_node(r.global));  // sort_keys=True: global before local
  root.set("local", scores_node(r.local));
  return config::to_yaml(root);
}

std::string per_example_jsonl(const EvaluationInputs& in, const EvaluationResults& r) {
  std::string out;
  for (size_t i = 0; i < in.examples.size(); ++i) {
    const EvaluationExample& ex = in.examples[i];
    const ExampleScores& sc = r.examples.at(i);
    nlohmann::ordered_json line;
    line["index"] = i;
    line["data_line"] = ex.data_line;
    line["generated_line"] = ex.generated_line;
    line["generated"] = ex.generated;
    line["prediction"] = sc.prediction;
    line["label"] = ex.label;
    nlohmann::ordered_json scores = nlohmann::ordered_json::object();
    for (const LocalScore& s : sc.local) {
      if (s.integer) scores[s.name] = static_cast<int64_t>(s.value);
      else scores[s.name] = s.value;
    }
    line["scores"] = std::move(scores);
    if (sc.prediction_class)
      line["classification"] = {{"prediction_class", *sc.prediction_class}, {"label_class", *sc.label_class}};
    out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

void write_results_files(const std::string& results_file, const EvaluationInputs& in, const EvaluationResults& r) {
  const std::string yaml = results_yaml(r);  // everything formatted before the first write
  const std::string jsonl = per_example_jsonl(in, r);
  const std::string per_example = settings::per_example_path(results_file);
  write_file_atomic(per_example, jsonl);
  try {
    write_file_atomic(results_file, yaml);
  } catch (...) {
    std::remove(per_example.c_str());
    throw;
  }
}

}  // namespace ragforge::evaluation
