#include "processing/python_format.h"

#include <algorithm>

#include "core/error.h"

namespace ragforge::processing {
namespace {

bool is_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

PythonFormat::PythonFormat(std::string text, std::string source) : text_(std::move(text)), source_(std::move(source)) {
  std::string literal;
  auto fail = [this](const std::string& what) { throw Error(source_ + ": " + what); };
  for (size_t i = 0; i < text_.size(); ++i) {
    const char c = text_[i];
    if (c == '}') {
      if (i + 1 < text_.size() && text_[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      fail("single '}' in the prompt template (write '}}' for a literal brace)");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text_.size() && text_[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const size_t close = text_.find('}', i + 1);
    if (close == std::string::npos) fail("'{' without a closing '}' in the prompt template (write '{{' for a literal brace)");
    const std::string field = text_.substr(i + 1, close - i - 1);
    if (field.find('{') != std::string::npos) fail("nested '{' in the field '{" + field + "}'");
    i = close;

    Piece p;
    p.is_field = true;
    std::string spec = field;
    if (const size_t colon = spec.find(':'); colon != std::string::npos)
      fail("the field '{" + field + "}' has a format spec; ragforge's prompters support {name}, {name!r} and {name[0]}");
    if (const size_t bang = spec.find('!'); bang != std::string::npos) {
      const std::string conv = spec.substr(bang + 1);
      if (conv != "s" && conv != "r") fail("the field '{" + field + "}' has conversion '!" + conv + "'; use !s or !r");
      p.conversion = conv[0];
      spec = spec.substr(0, bang);
    }
    size_t name_end = spec.find_first_of(".[");
    p.text = spec.substr(0, name_end);
    if (p.text.empty() || is_digits(p.text))
      fail("the field '{" + field + "}' is positional; name it, e.g. {query}, and map it in `mapping`");
    while (name_end != std::string::npos && name_end < spec.size()) {
      if (spec[name_end] == '.')
        fail("the field '{" + field + "}' reads an attribute; ragforge's prompters support {name} and {name[key]}");
      const size_t close_bracket = spec.find(']', name_end);
      if (close_bracket == std::string::npos) fail("the field '{" + field + "}' has '[' without ']'");
      p.index.push_back(spec.substr(name_end + 1, close_bracket - name_end - 1));
      name_end = close_bracket + 1;
      if (name_end < spec.size() && spec[name_end] != '[' && spec[name_end] != '.')
        fail("the field '{" + field + "}' has text after ']'");
    }
    if (!literal.empty()) pieces_.push_back(Piece{false, std::move(literal), {}, 's'});
    literal.clear();
    if (std::find(names_.begin(), names_.end(), p.text) == names_.end()) names_.push_back(p.text);
    pieces_.push_back(std::move(p));
  }
  if (!literal.empty()) pieces_.push_back(Piece{false, std::move(literal), {}, 's'});
}

std::string PythonFormat::format(const std::function<Row(const std::string& name)>& value) const {
  std::string out;
  for (const Piece& p : pieces_) {
    if (!p.is_field) {
      out += p.text;
      continue;
    }
    Row v = value(p.text);
    std::string path = p.text;
    for (const std::string& idx : p.index) {
      // Python: digits index a list (or a dict by int key), anything else is a string key.
      if (v.is_array() && is_digits(idx)) {
        const size_t n = std::stoul(idx);
        if (n >= v.size())
          throw Error("{" + path + "[" + idx + "]}: index out of range (the list has " + std::to_string(v.size()) + " items)");
        v = Row(v[n]);
      } else if (v.is_object()) {
        auto it = v.find(idx);
        if (it == v.end()) throw Error("{" + path + "[" + idx + "]}: no key '" + idx + "'; it has: " + key_list(v));
        v = Row(*it);
      } else {
        throw Error("{" + path + "[" + idx + "]}: cannot index a " + python_type_name(v));
      }
      path += "[" + idx + "]";
    }
    out += p.conversion == 'r' ? python_repr(v) : python_str(v);
  }
  return out;
}

}  // namespace ragforge::processing
