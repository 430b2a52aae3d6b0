#include "template/chat_template.h"

#include "core/error.h"
#include "template/ast.h"
#include "template/interpreter.h"

namespace ragforge::tmpl {

ChatTemplate::ChatTemplate(std::string source)
    : source_(std::move(source)), body_(std::make_shared<const Body>(parse_template(source_))) {}

std::string ChatTemplate::render(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                 const nlohmann::ordered_json& extra_vars, const std::string& bos_token,
                                 const std::string& eos_token) const {
  if (!messages.is_array()) throw Error("chat template: messages must be a JSON array, got " + std::string(messages.type_name()));
  if (!extra_vars.is_null() && !extra_vars.is_object())
    throw Error("chat template: extra variables must be a JSON object, got " + std::string(extra_vars.type_name()));
  std::vector<std::pair<std::string, Value>> vars;
  try {
    // The variables transformers passes: messages, tools, documents,
    // add_generation_prompt, the special tokens, then the caller's kwargs.
    vars.emplace_back("messages", Value::from_json(messages));
    vars.emplace_back("tools", Value::none());
    vars.emplace_back("documents", Value::none());
    vars.emplace_back("add_generation_prompt", Value(add_generation_prompt));
    vars.emplace_back("bos_token", Value(bos_token));
    vars.emplace_back("eos_token", Value(eos_token));
    if (extra_vars.is_object())
      for (auto it = extra_vars.begin(); it != extra_vars.end(); ++it)
        vars.emplace_back(it.key(), Value::from_json(it.value()));
  } catch (const OpError& e) {
    throw Error(std::string("chat template: bad input: ") + e.what());
  }
  return render_body(*body_, vars);
}

}  // namespace ragforge::tmpl
