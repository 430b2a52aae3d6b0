// Chat messages to text through a tokenizer's own chat template, as
// transformers' apply_chat_template(tokenize=False) renders them for training
// data (conventions.md §1.3): enable_thinking=false, the tokenizer's bos/eos
// strings, and the system-role fallback for templates that reject a system
// message (Mistral): the system text + "\n" goes before the first user message.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::data {

class ChatRenderer {
 public:
  // Throws ragforge::Error when the tokenizer has no chat template, saying to
  // set `template=<file>`.
  explicit ChatRenderer(const tokenizer::Tokenizer& tok);

  // messages: [{role, content}, ...].
  std::string render(const nlohmann::ordered_json& messages, bool add_generation_prompt) const;

 private:
  std::shared_ptr<const tmpl::ChatTemplate> chat_;
  nlohmann::ordered_json vars_;
  std::string bos_, eos_;
};

// The messages with a leading system message folded into the first user
// message ("<system>\n<user>"); unchanged when there is no system message.
nlohmann::ordered_json fold_system_into_user(const nlohmann::ordered_json& messages);

}  // namespace ragforge::data
