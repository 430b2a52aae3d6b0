#include "data/sft_prompt.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ragforge::data {

std::string read_text_file(const std::string& path, const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(key + ": cannot read '" + path + "'; set " + key + "=<path of a text file>");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

SftPromptRenderer::SftPromptRenderer(const settings::SftDataSettings& s, const tokenizer::Tokenizer& tok,
                                     std::vector<std::string>& warnings)
    : s_(s), eos_(tok.eos_token().value_or("")) {
  if (!s.instruction.empty()) instruction_ = read_text_file(s.instruction, "instruction");
  if (!s.template_file.empty()) {
    template_ = std::make_unique<PromptTemplate>(PromptTemplate::from_file(s.template_file));
    if (instruction_ && !s.instruction_in_prompt)
      warnings.push_back("instruction is not used with a prompt template file (template=" + s.template_file +
                         "); set model.instruction_in_prompt=true to put it before the query");
    if (s.append_eos && eos_.empty())
      warnings.push_back("the tokenizer has no eos_token: template examples end without one");
  } else {
    chat_ = std::make_unique<ChatRenderer>(tok);
  }
}

std::string SftPromptRenderer::full_query(const std::string& raw_query) const {
  return s_.instruction_in_prompt && instruction_ ? *instruction_ + "\n" + raw_query : raw_query;
}

nlohmann::ordered_json SftPromptRenderer::messages(const std::string& query) const {
  nlohmann::ordered_json m = nlohmann::ordered_json::array();
  if (instruction_) m.push_back({{"role", "system"}, {"content", *instruction_}});
  m.push_back({{"role", "user"}, {"content", query}});
  return m;
}

std::string SftPromptRenderer::render(const std::string& raw_query, const std::string& output) const {
  const std::string query = full_query(raw_query);
  if (template_) {
    std::string text = template_->fill(query, output);
    const bool ends_with_eos =
        text.size() >= eos_.size() && text.compare(text.size() - eos_.size(), eos_.size(), eos_) == 0;
    if (s_.append_eos && !ends_with_eos) text += eos_;
    return text;
  }
  nlohmann::ordered_json m = messages(query);
  m.push_back({{"role", "assistant"}, {"content", output}});
  return chat_->render(m, /*add_generation_prompt=*/false);
}

std::string SftPromptRenderer::render_prompt(const std::string& raw_query) const {
  const std::string query = full_query(raw_query);
  if (template_) return template_->fill_prompt(query);
  return chat_->render(messages(query), /*add_generation_prompt=*/true);
}

}  // namespace ragforge::data
