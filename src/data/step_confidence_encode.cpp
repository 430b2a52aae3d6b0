#include "data/step_confidence_encode.h"

#include <algorithm>

#include "core/error.h"

namespace ragforge::data {

std::string format_step_text(const StepExample& example, int64_t max_steps, const std::string& marker) {
  std::string text = example.header;
  const size_t n = std::min(example.steps.size(), static_cast<size_t>(std::max<int64_t>(max_steps, 0)));
  for (size_t i = 0; i < n; ++i) text += example.steps[i] + " " + marker + "\n";
  return text;
}

EncodedSteps encode_steps(const StepExample& example, const tokenizer::Tokenizer& tok, int32_t marker_id,
                          int64_t max_length, int64_t max_steps) {
  const size_t n = std::min(example.steps.size(), static_cast<size_t>(max_steps));
  for (size_t i = 0; i < n; ++i) {
    const double y = i < example.labels.size() ? example.labels[i] : -1;
    if (!(y >= 0 && y <= 1))
      throw Error(example.source + " " + example.origin + " step " + std::to_string(i) + ": label " +
                  std::to_string(y) + " is outside [0, 1]; every step confidence must be in [0, 1]");
  }
  EncodedSteps out;
  out.input_ids = tok.encode_ids(format_step_text(example, max_steps));
  std::vector<int64_t> markers;
  for (size_t t = 0; t < out.input_ids.size(); ++t)
    if (out.input_ids[t] == marker_id) markers.push_back(static_cast<int64_t>(t));
  if (markers.size() != n)
    throw Error(example.source + " " + example.origin + ": the text holds " + std::to_string(markers.size()) +
                " <CONFIDENCE> markers for " + std::to_string(n) +
                " steps; a step's own text must not contain the marker token");
  if (static_cast<int64_t>(out.input_ids.size()) > max_length) out.input_ids.resize(static_cast<size_t>(max_length));
  out.positions.assign(static_cast<size_t>(max_steps), -1);
  out.labels.assign(static_cast<size_t>(max_steps), -1.0f);
  for (size_t i = 0; i < n; ++i) {
    if (markers[i] >= max_length) {
      ++out.truncated_steps;
      continue;
    }
    out.positions[i] = markers[i];
    out.labels[i] = static_cast<float>(example.labels[i]);
    ++out.steps;
  }
  return out;
}

StepBatch collate_steps(const std::vector<const EncodedSteps*>& rows, int32_t pad_id) {
  StepBatch b;
  b.rows = static_cast<int64_t>(rows.size());
  for (const auto* r : rows) {
    b.length = std::max<int64_t>(b.length, static_cast<int64_t>(r->input_ids.size()));
    b.max_steps = std::max<int64_t>(b.max_steps, static_cast<int64_t>(r->positions.size()));
  }
  b.input_ids.assign(static_cast<size_t>(b.rows * b.length), pad_id);
  b.attention_mask.assign(static_cast<size_t>(b.rows * b.length), 0);
  b.positions.assign(static_cast<size_t>(b.rows * b.max_steps), -1);
  b.labels.assign(static_cast<size_t>(b.rows * b.max_steps), -1.0f);
  for (int64_t i = 0; i < b.rows; ++i) {
    const EncodedSteps& r = *rows[static_cast<size_t>(i)];
    for (size_t t = 0; t < r.input_ids.size(); ++t) {
      b.input_ids[static_cast<size_t>(i * b.length) + t] = r.input_ids[t];
      b.attention_mask[static_cast<size_t>(i * b.length) + t] = 1;
    }
    b.tokens += static_cast<int64_t>(r.input_ids.size());
    std::copy(r.positions.begin(), r.positions.end(), b.positions.begin() + i * b.max_steps);
    std::copy(r.labels.begin(), r.labels.end(), b.labels.begin() + i * b.max_steps);
  }
  return b;
}

int32_t step_pad_id(const tokenizer::Tokenizer& tok) {
  if (auto id = tok.pad_token_id()) return *id;
  for (const auto& name : {tok.eos_token(), tok.unk_token()})
    if (name)
      if (auto id = tok.token_to_id(*name)) return *id;
  return 0;  // only attention_mask marks pads; any id will do
}

}  // namespace ragforge::data
