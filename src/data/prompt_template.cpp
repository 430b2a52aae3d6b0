#include "data/prompt_template.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ragforge::data {

PromptTemplate PromptTemplate::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("template: cannot read the prompt template file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return PromptTemplate(text.str(), path);
}

PromptTemplate::PromptTemplate(std::string text, std::string source_name)
    : source_name_(std::move(source_name)) {
  auto fail = [&](const std::string& what) {
    throw Error("template " + source_name_ + ": " + what +
                "; the only fields are {query} and {output}, and {{ / }} write literal braces");
  };
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      fail("single '}' at byte " + std::to_string(i));
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const size_t close = text.find('}', i + 1);
    if (close == std::string::npos) fail("unclosed '{' at byte " + std::to_string(i));
    const std::string name = text.substr(i + 1, close - i - 1);
    if (name != "query" && name != "output") fail("unknown field {" + name + "}");
    if (!literal.empty()) pieces_.push_back({false, std::move(literal)});
    literal.clear();
    pieces_.push_back({true, name});
    i = close;
  }
  if (!literal.empty()) pieces_.push_back({false, std::move(literal)});
}

std::string PromptTemplate::fill(const std::string& query, const std::string& output) const {
  std::string out;
  for (const Piece& p : pieces_) out += !p.is_field ? p.text : p.text == "query" ? query : output;
  return out;
}

std::string PromptTemplate::fill_prompt(const std::string& query) const {
  std::string out;
  for (const Piece& p : pieces_) {
    if (p.is_field && p.text == "output") break;
    out += p.is_field ? query : p.text;
  }
  return out;
}

}  // namespace ragforge::data
