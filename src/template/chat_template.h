// Renders Hugging Face chat templates (the `chat_template` of a
// tokenizer_config.json) byte-exactly as transformers' apply_chat_template
// does: a Jinja2 interpreter with jinja2's whitespace rules (trim_blocks and
// lstrip_blocks on), Python value semantics, and transformers' extras
// (raise_exception, strftime_now, tojson with ensure_ascii=False).
//
//   ChatTemplate t(config["chat_template"].get<std::string>());
//   std::string prompt = t.render(messages, /*add_generation_prompt=*/true,
//                                 {{"enable_thinking", false}}, "<s>", "</s>");
//
// Errors (syntax errors when constructing, runtime errors and
// raise_exception() when rendering) throw ragforge::Error naming the line and
// column in the template. A ChatTemplate is immutable once built: render() may
// run from several threads at once.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ragforge::tmpl {

struct Stmt;

class ChatTemplate {
 public:
  explicit ChatTemplate(std::string source);  // parses once; syntax errors throw with line:col

  // messages: JSON array of {role, content, ...}. extra_vars: a JSON object of
  // further template variables (enable_thinking, tools, documents, ...); they
  // override the defaults tools=None and documents=None. bos_token and
  // eos_token are visible to the template under those names.
  std::string render(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                     const nlohmann::ordered_json& extra_vars, const std::string& bos_token,
                     const std::string& eos_token) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::shared_ptr<const std::vector<std::unique_ptr<Stmt>>> body_;
};

}  // namespace ragforge::tmpl
