#include "config/node.h"

#include <cstdlib>

#include "config/python_int.h"
#include "core/error.h"

namespace ragforge::config {

Node Node::boolean(bool v) { Node n; n.type_ = Type::Bool; n.bool_ = v; return n; }
Node Node::integer(int64_t v) { Node n; n.type_ = Type::Int; n.int_ = v; return n; }
Node Node::integer_from_decimal(std::string decimal) {
  if (auto v = int64_from_decimal(decimal)) return integer(*v);
  Node n;
  n.type_ = Type::Int;
  n.str_ = std::move(decimal);
  return n;
}
Node Node::floating(double v) { Node n; n.type_ = Type::Float; n.float_ = v; return n; }
Node Node::string(std::string v) { Node n; n.type_ = Type::String; n.str_ = std::move(v); return n; }
Node Node::list() { Node n; n.type_ = Type::List; return n; }
Node Node::dict() { Node n; n.type_ = Type::Dict; return n; }

bool Node::is_interpolation() const {
  if (type_ != Type::String) return false;
  for (size_t i = str_.find("${"); i != std::string::npos; i = str_.find("${", i + 1)) {
    if (i == 0 || str_[i - 1] != '\\') return true;
    // `\\${` is an escaped backslash followed by a real interpolation.
    if (i >= 2 && str_[i - 2] == '\\') return true;
  }
  return false;
}

namespace {
[[noreturn]] void wrong_type(const Node& n, const char* wanted) {
  throw Error(std::string("config node is ") + n.type_name() + ", not " + wanted +
              (n.origin.empty() ? "" : " (" + n.origin + ")"));
}
}  // namespace

bool Node::as_bool() const { if (type_ != Type::Bool) wrong_type(*this, "bool"); return bool_; }
int64_t Node::as_int() const {
  if (type_ != Type::Int) wrong_type(*this, "int");
  if (!str_.empty())
    throw Error("integer " + str_ + " does not fit in 64 bits" + (origin.empty() ? "" : " (" + origin + ")"));
  return int_;
}
std::string Node::int_text() const {
  if (type_ != Type::Int) wrong_type(*this, "int");
  return str_.empty() ? std::to_string(int_) : str_;
}
double Node::as_float() const {
  if (type_ == Type::Int) return str_.empty() ? static_cast<double>(int_) : std::strtod(str_.c_str(), nullptr);
  if (type_ != Type::Float) wrong_type(*this, "float");
  return float_;
}
const std::string& Node::as_string() const {
  if (type_ != Type::String) wrong_type(*this, "string");
  return str_;
}

std::vector<Node>& Node::items() { if (type_ != Type::List) wrong_type(*this, "list"); return list_; }
const std::vector<Node>& Node::items() const {
  if (type_ != Type::List) wrong_type(*this, "list");
  return list_;
}
void Node::push_back(Node v) { items().push_back(std::move(v)); }

std::vector<DictEntry>& Node::entries() { if (type_ != Type::Dict) wrong_type(*this, "dict"); return dict_; }
const std::vector<DictEntry>& Node::entries() const {
  if (type_ != Type::Dict) wrong_type(*this, "dict");
  return dict_;
}

Node* Node::find(std::string_view key) {
  if (type_ != Type::Dict) return nullptr;
  for (auto& e : dict_)
    if (e.key.text == key) return &e.value;
  return nullptr;
}
const Node* Node::find(std::string_view key) const { return const_cast<Node*>(this)->find(key); }

Node& Node::set(Key key, Node value) {
  auto& es = entries();
  for (auto& e : es)
    if (e.key.text == key.text) { e.value = std::move(value); return e.value; }
  es.push_back(DictEntry{std::move(key), std::move(value)});
  return es.back().value;
}

bool Node::erase(std::string_view key) {
  auto& es = entries();
  for (auto it = es.begin(); it != es.end(); ++it)
    if (it->key.text == key) { es.erase(it); return true; }
  return false;
}

size_t Node::size() const {
  if (type_ == Type::List) return list_.size();
  if (type_ == Type::Dict) return dict_.size();
  return 0;
}

Node* Node::at_path(std::string_view dotted) {
  Node* cur = this;
  for (const auto& part : split_dotted(dotted)) {
    if (cur->is_dict()) {
      cur = cur->find(part);
    } else if (cur->is_list()) {
      size_t idx = 0;
      if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return nullptr;
      idx = std::stoul(part);
      if (idx >= cur->list_.size()) return nullptr;
      cur = &cur->list_[idx];
    } else {
      return nullptr;
    }
    if (!cur) return nullptr;
  }
  return cur;
}
const Node* Node::at_path(std::string_view dotted) const { return const_cast<Node*>(this)->at_path(dotted); }

bool Node::operator==(const Node& o) const {
  if (type_ != o.type_) return false;
  switch (type_) {
    case Type::Null: return true;
    case Type::Bool: return bool_ == o.bool_;
    case Type::Int: return int_ == o.int_ && str_ == o.str_;
    case Type::Float: return float_ == o.float_ || (float_ != float_ && o.float_ != o.float_);
    case Type::String: return str_ == o.str_;
    case Type::List: return list_ == o.list_;
    case Type::Dict:
      if (dict_.size() != o.dict_.size()) return false;
      for (size_t i = 0; i < dict_.size(); ++i)
        if (!(dict_[i].key == o.dict_[i].key) || dict_[i].value != o.dict_[i].value) return false;
      return true;
  }
  return false;
}

const char* Node::type_name() const {
  switch (type_) {
    case Type::Null: return "null";
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Float: return "float";
    case Type::String: return "string";
    case Type::List: return "list";
    case Type::Dict: return "dict";
  }
  return "?";
}

std::vector<std::string> split_dotted(std::string_view dotted) {
  std::vector<std::string> parts;
  if (dotted.empty()) return parts;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    parts.emplace_back(dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

}  // namespace ragforge::config
