// The text of one RAG-FiT example (recipes.md §1.1), shared by training and
// inference so that a model is prompted exactly as it was trained:
// [system: instruction, user: query, assistant: output] through the chat
// template, or a `template:` file with {query}/{output};
// model.instruction_in_prompt puts the instruction before the query too.
//
//   SftPromptRenderer r(settings, tok, warnings);
//   r.render(query, answer);   // training text (no generation prompt)
//   r.render_prompt(query);    // inference: ends with the generation prompt
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/chat_render.h"
#include "data/prompt_template.h"
#include "settings/sft_data_settings.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::data {

class SftPromptRenderer {
 public:
  // Reads the instruction and template files; once-per-run notes go to `warnings`.
  SftPromptRenderer(const settings::SftDataSettings& s, const tokenizer::Tokenizer& tok,
                    std::vector<std::string>& warnings);

  std::string render(const std::string& query, const std::string& output) const;
  // The prompt alone: the chat template with add_generation_prompt, or the
  // template file up to its {output} field.
  std::string render_prompt(const std::string& query) const;

 private:
  std::string full_query(const std::string& raw_query) const;
  nlohmann::ordered_json messages(const std::string& query) const;

  const settings::SftDataSettings& s_;
  std::string eos_;
  std::optional<std::string> instruction_;
  std::unique_ptr<PromptTemplate> template_;
  std::unique_ptr<ChatRenderer> chat_;
};

// The whole text of a file; errors name the config key that gave the path.
std::string read_text_file(const std::string& path, const std::string& key);

}  // namespace ragforge::data
