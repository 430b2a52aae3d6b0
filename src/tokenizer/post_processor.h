// tokenizer.json "post_processor": TemplateProcessing, ByteLevel (offsets
// only, so nothing to do for ids), RobertaProcessing, BertProcessing and
// Sequence. Applied only when special tokens are requested.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ragforge::tokenizer {

struct TokenSequence {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
  std::vector<int32_t> special_tokens_mask;
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // How many tokens process() adds to a single sequence.
  virtual size_t added_tokens() const = 0;
  virtual void process(TokenSequence& seq) const = 0;
};

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j, const std::string& where);

}  // namespace ragforge::tokenizer
