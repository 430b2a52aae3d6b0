// RAG-FiT's custom prompt files (`template: <file>`): Python str.format with
// the two fields `query` and `output`. `{{` and `}}` are literal braces; any
// other field, or a lone brace, is a config error naming the file.
#pragma once
#include <string>
#include <vector>

namespace ragforge::data {

class PromptTemplate {
 public:
  // Reads and checks the file once; errors name it and the offending field.
  static PromptTemplate from_file(const std::string& path);
  // `source_name` names the text in errors.
  PromptTemplate(std::string text, std::string source_name);

  std::string fill(const std::string& query, const std::string& output) const;
  // The text before the first `{output}` field, `{query}` filled: what a
  // model is prompted with at inference.
  std::string fill_prompt(const std::string& query) const;

 private:
  struct Piece {
    bool is_field;     // a `{query}`/`{output}` field, else literal text
    std::string text;  // literal text, or the field's name
  };
  std::string source_name_;
  std::vector<Piece> pieces_;
};

}  // namespace ragforge::data
