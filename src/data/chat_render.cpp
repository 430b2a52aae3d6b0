#include "data/chat_render.h"

#include "core/error.h"

namespace ragforge::data {
namespace {

// What templates without a system role raise. Gemma-style templates say
// "System role not supported"; Mistral's v0.1/v0.2 templates reject the
// system turn with "Conversation roles must alternate ..." or "Only user and
// assistant roles are supported".
bool rejects_system_role(const std::string& message) {
  for (const char* text : {"System role not supported", "roles must alternate",
                           "Only user and assistant roles are supported"})
    if (message.find(text) != std::string::npos) return true;
  return false;
}

bool has_system_message(const nlohmann::ordered_json& messages) {
  return !messages.empty() && messages[0].value("role", "") == "system";
}

}  // namespace

nlohmann::ordered_json fold_system_into_user(const nlohmann::ordered_json& messages) {
  if (!has_system_message(messages)) return messages;
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  const std::string system = messages[0].value("content", "");
  bool folded = false;
  for (size_t i = 1; i < messages.size(); ++i) {
    nlohmann::ordered_json m = messages[i];
    if (!folded && m.value("role", "") == "user") {
      m["content"] = system + "\n" + m.value("content", "");
      folded = true;
    }
    out.push_back(std::move(m));
  }
  return out;
}

ChatRenderer::ChatRenderer(const tokenizer::Tokenizer& tok)
    : bos_(tok.bos_token().value_or("")), eos_(tok.eos_token().value_or("")) {
  if (tok.chat_template().empty())
    throw Error(
        "the tokenizer has no chat template (no chat_template in tokenizer_config.json and no "
        "chat_template.jinja); give a prompt file instead: template=path/to/prompt.txt with "
        "{query} and "
        "{output}");
  chat_ = std::make_shared<const tmpl::ChatTemplate>(tok.chat_template());
  // transformers also passes the tokenizer's other special-token strings.
  vars_ = {{"enable_thinking", false}};
  if (tok.pad_token()) vars_["pad_token"] = *tok.pad_token();
  if (tok.unk_token()) vars_["unk_token"] = *tok.unk_token();
}

std::string ChatRenderer::render(const nlohmann::ordered_json& messages,
                                 bool add_generation_prompt) const {
  try {
    return chat_->render(messages, add_generation_prompt, vars_, bos_, eos_);
  } catch (const Error& e) {
    if (!has_system_message(messages) || !rejects_system_role(e.what())) throw;
  }
  return chat_->render(fold_system_into_user(messages), add_generation_prompt, vars_, bos_, eos_);
}

}  // namespace ragforge::data
