// rag_fit_sft's training data (recipes.md §1.1–1.2): JSONL rows → selected
// rows (shuffle, limit, dev split) → prompt text (chat template or prompt
// file) → token ids without automatic special tokens, truncated from the
// right → labels that supervise only what follows the first completion_start
// marker. Torch-free; the recipe turns examples into tensors with collate().
//
// The marker is found in the rendered text, not in the ids: its first
// occurrence's end maps to a token boundary through the tokenizer's offsets,
// so a marker that is plain text in the template (e.g. Phi-3's <|assistant|>
// on a SentencePiece tokenizer, where the marker tokenized alone gets a "▁"
// piece the prompt does not have) works as well as an added token.
//
//   auto s = settings::parse_sft_data_settings(root);
//   auto data = data::load_sft_data(s, tok, "qwen3", /*seed=*/42);
//   // data.report.marker_ids, data.report.example0_text for the startup print
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "settings/sft_data_settings.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::data {

constexpr int32_t kIgnoreIndex = -100;

struct SftExample {
  int64_t row = 0;                 // 0-based line index in data_file (line row+1)
  std::vector<int32_t> input_ids;  // T
  std::vector<int32_t> labels;     // T; kIgnoreIndex through the token holding the marker's last byte
};

struct SftDataReport {
  int64_t rows_read = 0;          // valid rows in the file
  int64_t skipped_bad_rows = 0;   // bad JSON / bad fields, under data.on_error=skip
  int64_t skipped_no_marker = 0;  // examples without the marker (data/skipped_no_marker)
  int64_t truncated = 0;          // examples cut to model.max_sequence_len
  // The ids that cover the marker in the first training example whose text
  // has it (example 0 normally); the marker tokenized alone when none has it.
  std::vector<int32_t> marker_ids;
  std::string completion_start;       // the marker text used (the family default when unset)
  std::string example0_text;          // the rendered text of the first training example
  std::vector<std::string> warnings;  // once-per-run warnings for the recipe to print
};

struct SftData {
  std::vector<SftExample> train, dev;
  SftDataReport report;
};

// model_type: config.json's model_type, for the completion_start default.
// seed: the run seed (dev split). Throws ragforge::Error for unreadable or bad
// data (naming file:line), bad template files, and when no example keeps a
// marker.
SftData load_sft_data(const settings::SftDataSettings& s, const tokenizer::Tokenizer& tok,
                      const std::string& model_type, uint64_t seed);

// The marker's first occurrence in a text, in tokens of that text.
struct MarkerTokens {
  size_t first = 0;   // the first token that overlaps the marker
  size_t masked = 0;  // how many leading tokens start before the marker's end
};

// Finds the first occurrence of `marker` in `text` and maps its end to tokens
// through `offsets` (Tokenizer::encode_ids_offsets of the same text):
// every token whose span starts before the marker's end is masked, that is
// through the token that holds the marker's last byte. nullopt when the text
// lacks the marker (or the marker is empty).
std::optional<MarkerTokens> find_marker_tokens(const std::string& text, const std::string& marker,
                                               const std::vector<std::pair<size_t, size_t>>& offsets);

// Labels for (possibly truncated) ids: kIgnoreIndex for the first `masked`,
// the ids after. Empty when truncation cut any of the masked tokens (the
// marker did not survive).
std::vector<int32_t> labels_after_marker(const std::vector<int32_t>& ids, size_t masked);

// The token-subsequence rule (the marker's ids tokenized alone, first exact
// match), which the text rule replaced; kept for comparison.
// The start of the first occurrence of `needle` in `haystack`, or -1.
int64_t find_subsequence(const std::vector<int32_t>& haystack, const std::vector<int32_t>& needle);

// Labels for ids: kIgnoreIndex through the end of the first marker
// occurrence, the ids after it. Empty when the marker is absent.
std::vector<int32_t> completion_only_labels(const std::vector<int32_t>& ids,
                                            const std::vector<int32_t>& marker);

}  // namespace ragforge::data
