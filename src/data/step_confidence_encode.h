// Step-confidence text, tokens and batches (recipes.md §4.1): an example's
// first max_steps steps, each written "{step} <CONFIDENCE>\n" after its
// header, tokenized with the tokenizer's default special tokens, truncated to
// max_length; one marker position and label per kept step, both padded with
// -1 to max_steps. A step whose marker was truncated away is dropped and
// counted (Decision 6). Torch-free; the recipe turns batches into tensors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/step_confidence_example.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::data {

inline constexpr const char* kConfidenceToken = "<CONFIDENCE>";

// header + "{step} <CONFIDENCE>\n" for the first max_steps steps.
std::string format_step_text(const StepExample& example, int64_t max_steps,
                             const std::string& marker = kConfidenceToken);

struct EncodedSteps {
  std::vector<int32_t> input_ids;   // <= max_length tokens
  std::vector<int64_t> positions;   // [max_steps]: marker token index, -1 padded
  std::vector<float> labels;        // [max_steps]: label, -1 padded (-1 where the marker was cut)
  int64_t truncated_steps = 0;      // steps whose marker fell beyond max_length
  int64_t steps = 0;                // valid steps (position >= 0)
};

// Throws ragforge::Error naming source, origin and step for a label outside
// [0, 1], or when a step's text holds the marker itself.
EncodedSteps encode_steps(const StepExample& example, const tokenizer::Tokenizer& tok, int32_t marker_id,
                          int64_t max_length, int64_t max_steps);

struct StepBatch {
  int64_t rows = 0, length = 0, max_steps = 0;
  std::vector<int64_t> input_ids;       // [rows, length], right-padded with pad_id
  std::vector<int64_t> attention_mask;  // [rows, length]
  std::vector<int64_t> positions;       // [rows, max_steps]
  std::vector<float> labels;            // [rows, max_steps]
  int64_t tokens = 0;                   // real (unpadded) tokens
};

// Right-pads to the batch's longest row.
StepBatch collate_steps(const std::vector<const EncodedSteps*>& rows, int32_t pad_id);

// The pad id: the tokenizer's pad token, else eos, else unk.
int32_t step_pad_id(const tokenizer::Tokenizer& tok);

}  // namespace ragforge::data
