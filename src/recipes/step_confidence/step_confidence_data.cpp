#include "recipes/step_confidence/step_confidence_data.h"

#include "core/error.h"
#include "data/step_confidence_loaders.h"

namespace ragforge::recipes::step_confidence {
namespace {

std::string file_for(const settings::StepDatasetSettings& d, const settings::StepConfidenceSettings& s,
                     const std::string& split) {
  if (d.name == "prm800k") return data::prm800k_file(d.path, s.prm800k_phase, split);
  if (d.name == "reveal") return data::reveal_file(d.path, split);
  return data::eqasc_file(d.path, split);
}

void encode_into(StepSplit& out, size_t source, const std::vector<data::StepExample>& examples,
                 const tokenizer::Tokenizer& tok, int32_t marker, const settings::StepConfidenceSettings& s) {
  for (const auto& ex : examples) {
    out.rows.push_back(data::encode_steps(ex, tok, marker, s.max_length, s.max_steps_per_example));
    out.source.push_back(source);
    out.truncated_steps += out.rows.back().truncated_steps;
  }
}

}  // namespace

StepConfidenceData load_step_confidence_data(const settings::StepConfidenceSettings& s,
                                             const tokenizer::Tokenizer& tok, bool train,
                                             const std::function<void(const std::string&)>& log) {
  const auto marker = tok.token_to_id(s.confidence_token);
  if (!marker) throw Error("model.confidence_token: '" + s.confidence_token + "' is not in the tokenizer");
  StepConfidenceData out;
  for (const auto& d : s.datasets) {
    if (!d.use) continue;
    const size_t index = out.names.size();
    out.names.push_back(d.name);
    out.weights.push_back(d.weight);
    out.train.emplace_back();
    auto read = [&](const std::string& split, int64_t cap, StepSplit& into) {
      data::StepLoadReport report;
      const std::string file = file_for(d, s, split);
      const auto examples = data::load_step_dataset(d.name, file, cap, &report);
      const int64_t truncated_before = into.truncated_steps;
      encode_into(into, index, examples, tok, *marker, s);
      log(d.name + " (" + split + "): " + std::to_string(report.examples) + " examples from " +
          std::to_string(report.records) + " records of " + file + "; dropped without steps " +
          std::to_string(report.dropped_no_steps) + ", truncated steps " +
          std::to_string(into.truncated_steps - truncated_before) +
          (d.name == "prm800k" ? ", skipped null ratings " + std::to_string(report.skipped_null_rating) +
                                     ", other ratings " + std::to_string(report.skipped_other_rating)
                               : ""));
    };
    if (train && d.weight > 0) read(d.train_split, s.max_train_samples, out.train.back());
    read(d.test_split, s.max_test_samples, out.val);
  }
  return out;
}

}  // namespace ragforge::recipes::step_confidence
