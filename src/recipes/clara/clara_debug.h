// CLaRa's debug printer (recipes.md §2.9): one training sample's prompt and
// answer, the answer's token accuracy and CE, and every answer token coloured
// by the probability the model gave the gold token (red = low, green = high).
// Plain text with `⟨p=0.93⟩` after each token when colour is off.
//
// Shapes: A answer positions (labelled tokens), V vocab.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ragforge::recipes::clara {

struct DebugView {
  std::string question, expected_answer;
  std::vector<int64_t> prompt_ids;  // non-pad tokens before the first supervised one
  std::vector<int64_t> answer_ids;  // ids[t], t in A
  torch::Tensor answer_logits;      // [|A|, V]: logits[t-1], t in A
};

// The whole printout, newline-terminated, ready for std::cout. `decode` turns
// ids into text with special tokens kept; each answer token is decoded alone.
std::string format_debug_sample(
    const DebugView& view, const std::function<std::string(const std::vector<int64_t>&)>& decode,
    bool color, int64_t max_print_tokens);

// True when NO_COLOR is unset and stdout is a terminal.
bool debug_wants_color();

}  // namespace ragforge::recipes::clara
