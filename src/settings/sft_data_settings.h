// The data settings of the rag_fit_sft recipe, read from the composed RAG-FiT
// config root (recipes.md §1.1–1.2). RAG-FiT keeps these keys at the top
// level (data_file, input_key, ...) and under `model:`; ragforge's own extras
// live in an optional `data:` dict. Torch-free, so `ragforge train` reports a
// bad data setting before loading LibTorch.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "config/config_view.h"

namespace ragforge::settings {

struct SftDataSettings {
  std::string data_file;               // `data_file` (required)
  std::string input_key = "prompt";    // `input_key`
  std::string output_key;              // `output_key` (required)
  std::string instruction;             // `instruction`: path of a text file; "" none
  std::string template_file;           // `template`: custom prompt file; "" uses the chat template
  std::optional<int64_t> limit;        // `limit`: keep the first N rows (after shuffling)
  std::optional<int64_t> shuffle;      // `shuffle`: seed of the row shuffle; any int, 0 included
  double dev_split = 0;                // `dev_split` in (0,1); 0 or null: no dev set
  std::string on_error = "raise";      // `data.on_error`: raise | skip (bad JSONL rows)
  bool append_eos = true;              // `data.append_eos`: template files end with eos
  bool instruction_in_prompt = false;  // `model.instruction_in_prompt` (null → false)
  std::string completion_start;        // `model.completion_start` ("" → family default)
  int64_t max_sequence_len = 0;        // `model.max_sequence_len` (0 or null: no truncation)
};

// Type errors name the key and where its value came from; a missing required
// key says how to set it.
SftDataSettings parse_sft_data_settings(const config::ConfigView& root);

}  // namespace ragforge::settings
