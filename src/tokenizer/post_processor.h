// tokenizer.json "post_processor": TemplateProcessing, ByteLevel (offsets
// only, so nothing to do for ids), RobertaProcessing, BertProcessing and
// Sequence. process() is applied only when special tokens are requested;
// trim_offsets() (ByteLevel's and RobertaProcessing's trim_offsets) whenever
// offsets are, as HF does.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ragforge::tokenizer {

struct TokenSequence {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
  std::vector<int32_t> special_tokens_mask;
  std::vector<std::pair<size_t, size_t>> offsets;  // with_offsets only; special tokens get (0, 0)
  bool with_offsets = false;
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // How many tokens process() adds to a single sequence.
  virtual size_t added_tokens() const = 0;
  virtual void process(TokenSequence& seq) const = 0;
  // HF's process_offsets: each token's leading and trailing spaces ("Ġ" or
  // whitespace characters of seq.tokens) leave its offsets.
  virtual bool trims_offsets() const { return false; }
  virtual void trim_offsets(TokenSequence&) const {}
};

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j, const std::string& where);

}  // namespace ragforge::tokenizer
