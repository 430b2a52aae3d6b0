#include "data/family_defaults.h"

#include "core/error.h"
#include "data/chat_render.h"

namespace ragforge::data {
namespace {

std::string generation_prompt_suffix(const std::string& model_type,
                                     const tokenizer::Tokenizer& tok) {
  const std::string how = "; set model.completion_start to the text that starts the answer";
  if (tok.chat_template().empty())
    throw Error("model_type '" + model_type +
                "' has no default completion_start and the tokenizer has no chat template" + how);
  const ChatRenderer chat(tok);
  const nlohmann::ordered_json messages = {{{"role", "user"}, {"content", "Hi"}}};
  const std::string without = chat.render(messages, false);
  const std::string with = chat.render(messages, true);
  if (with.size() <= without.size() || with.compare(0, without.size(), without) != 0)
    throw Error("model_type '" + model_type +
                "': the chat template's generation prompt adds no suffix to find the answer by" +
                how);
  return with.substr(without.size());
}

}  // namespace

std::string default_completion_start(const std::string& model_type,
                                     const tokenizer::Tokenizer& tok) {
  if (model_type == "phi3") return "<|assistant|>";
  if (model_type == "llama" && tok.token_to_id("<|start_header_id|>"))
    return "<|start_header_id|>assistant<|end_header_id|>\n\n";
  if (model_type == "mistral") return "[/INST]";
  if (model_type == "qwen2" || model_type == "qwen3") return "<|im_start|>assistant\n";
  return generation_prompt_suffix(model_type, tok);
}

std::vector<std::string> default_lora_targets(const std::string& model_type) {
  if (model_type == "phi3") return {"qkv_proj"};
  if (model_type == "llama" || model_type == "mistral" || model_type == "qwen2" ||
      model_type == "qwen3")
    return {"q_proj", "k_proj", "v_proj"};
  throw Error("model_type '" + model_type +
              "' has no default LoRA targets; set model.lora.target_modules=[q_proj,k_proj,v_proj] "
              "(the names of "
              "the Linear layers to adapt)");
}

}  // namespace ragforge::data
