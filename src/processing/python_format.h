// Python's str.format with keyword arguments, as RAG-FiT's prompters use it
// (`open(prompt_file).read().format(**{placeholder: item.get(key, "")})`):
// `{name}` fields, `{{` and `}}` for literal braces, `{name!r}` / `{name!s}`
// conversions and `{name[0]}` / `{name[key]}` indexing. Format specs
// (`{name:>10}`), attributes (`{name.attr}`) and positional fields (`{}`,
// `{0}`) are rejected when the template is read, naming the field.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "processing/dataset.h"

namespace ragforge::processing {

class PythonFormat {
 public:
  // Parses `text`; `source` names it in errors (the prompt file).
  PythonFormat(std::string text, std::string source);

  // The field names in order of first use.
  const std::vector<std::string>& fields() const { return names_; }
  const std::string& text() const { return text_; }

  // Fills the fields; `value(name)` gives each field's value.
  std::string format(const std::function<Row(const std::string& name)>& value) const;

 private:
  struct Piece {
    bool is_field = false;
    std::string text;                // literal text, or the field's name
    std::vector<std::string> index;  // `[...]` lookups after the name
    char conversion = 's';           // 's' (str) or 'r' (repr)
  };
  std::string text_, source_;
  std::vector<Piece> pieces_;
  std::vector<std::string> names_;
};

}  // namespace ragforge::processing
