#include "evaluation/evaluation_run.h"

#include "evaluation/classification.h"
#include "evaluation/labels.h"
#include "evaluation/local_metrics.h"
#include "evaluation/results_files.h"

namespace ragforge::evaluation {
namespace {

using settings::MetricKind;

// One local metric on one example. Labels were checked by
// read_evaluation_inputs, so the readers cannot fail here.
LocalScore score_local(MetricKind kind, const std::string& prediction, const nlohmann::json& label) {
  std::string unused;
  switch (kind) {
    case MetricKind::EM: return {"EM", static_cast<double>(exact_match(prediction, *read_answer_list(label, unused))), true};
    case MetricKind::F1: return {"F1", f1_score(prediction, *read_answer_list(label, unused)), false};
    case MetricKind::StringEM: return {"StringEM", string_em(prediction, *read_qa_pairs(label, unused)), false};
    case MetricKind::Classification: break;
  }
  return {};
}

}  // namespace

EvaluationResults score_examples(const settings::EvaluationSettings& s, const EvaluationInputs& in,
                                 const AnswerProcessor* answer_processor) {
  EvaluationResults r;
  r.examples.resize(in.examples.size());
  for (size_t i = 0; i < in.examples.size(); ++i)
    r.examples[i].prediction = answer_processor ? (*answer_processor)(in.examples[i].generated)
                                                : in.examples[i].generated;

  for (const auto& m : s.metrics) {
    if (settings::is_local_metric(m.kind)) {
      double sum = 0.0;  // Python's sum() over the examples, in order
      std::string name;
      for (size_t i = 0; i < in.examples.size(); ++i) {
        LocalScore score = score_local(m.kind, r.examples[i].prediction, in.examples[i].label);
        sum += score.value;
        name = score.name;
        r.examples[i].local.push_back(std::move(score));
      }
      r.local[name] = sum / static_cast<double>(in.examples.size());
      continue;
    }
    std::vector<int64_t> targets, predictions;
    for (size_t i = 0; i < in.examples.size(); ++i) {
      std::string unused;
      ExampleScores& ex = r.examples[i];
      ex.prediction_class = prediction_class(ex.prediction);
      ex.label_class = label_class(*read_class_label(in.examples[i].label, unused), m.classification);
      predictions.push_back(*ex.prediction_class);
      targets.push_back(*ex.label_class);
    }
    const ClassificationScores c = classification_scores(targets, predictions);
    r.global["accuracy"] = c.accuracy;
    r.global["precision"] = c.precision;
    r.global["recall"] = c.recall;
    r.global["f1"] = c.f1;
  }
  return r;
}

EvaluationResults run_evaluation(const settings::EvaluationSettings& s, std::ostream& log) {
  std::optional<AnswerProcessor> processor;
  if (s.answer_processor) processor.emplace(*s.answer_processor);  // bad patterns fail before any reading
  const EvaluationInputs in = read_evaluation_inputs(s);
  if (in.generated_rows > in.examples.size())
    log << "note: " << s.generated_file << " has " << in.generated_rows << " generated lines; the first "
        << in.examples.size() << " answer the scored data rows, the other " << (in.generated_rows - in.examples.size())
        << " are not scored\n";
  if (s.metrics.empty()) log << "note: no metrics configured; the results are empty\n";

  EvaluationResults r = score_examples(s, in, processor ? &*processor : nullptr);
  if (!s.results_file.empty()) write_results_files(s.results_file, in, r);
  return r;
}

}  // namespace ragforge::evaluation
