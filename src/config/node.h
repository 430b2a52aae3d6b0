// The config tree: OmegaConf's data model in plain C++ (no torch).
//
// A Node is null, bool, int, float, string, list or dict. Dicts keep insertion
// order. Interpolations (`${a.b}`) and the missing value (`???`) are strings
// until resolved, exactly as OmegaConf stores them. Every node may record
// where its value came from ("configs/x.yaml:12" or "override 'a=1'"), so
// errors can point at the file or command-line argument responsible.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ragforge::config {

struct DictEntry;

// A dict key. OmegaConf allows str, int, bool and float keys; YAML output
// depends on which (`1:` vs `'1':`), so the type is kept.
struct Key {
  enum class Type { String, Int, Bool, Float };
  Type type = Type::String;
  std::string text;  // canonical text: "name", "1", "true", "0.5"

  Key() = default;
  Key(std::string s) : text(std::move(s)) {}  // NOLINT: string keys are the common case
  Key(const char* s) : text(s) {}             // NOLINT
  static Key of_int(int64_t v) { Key k(std::to_string(v)); k.type = Type::Int; return k; }
  bool operator==(const Key& o) const { return text == o.text; }
};

class Node {
 public:
  enum class Type { Null, Bool, Int, Float, String, List, Dict };

  Node() = default;  // null
  static Node null() { return Node(); }
  static Node boolean(bool v);
  static Node integer(int64_t v);
  // Any Python int, from canonical decimal text ("-12", see python_int.h);
  // one that fits in 64 bits is the same as integer(v).
  static Node integer_from_decimal(std::string decimal);
  static Node floating(double v);
  static Node string(std::string v);
  static Node list();
  static Node dict();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_int() const { return type_ == Type::Int; }
  bool is_float() const { return type_ == Type::Float; }
  bool is_string() const { return type_ == Type::String; }
  bool is_list() const { return type_ == Type::List; }
  bool is_dict() const { return type_ == Type::Dict; }
  bool is_container() const { return is_list() || is_dict(); }
  bool is_scalar() const { return !is_container(); }
  // `???`, OmegaConf's mandatory-but-unset value.
  bool is_missing() const { return type_ == Type::String && str_ == "???"; }
  // A string holding an unescaped `${`: resolved lazily by interpolation.h.
  bool is_interpolation() const;

  bool as_bool() const;
  int64_t as_int() const;  // throws for an int beyond 64 bits
  bool int_fits_64() const { return type_ == Type::Int && str_.empty(); }
  // An int as Python prints it (exact at any size).
  std::string int_text() const;
  double as_float() const;  // ints widen
  const std::string& as_string() const;

  // ---- lists
  std::vector<Node>& items();
  const std::vector<Node>& items() const;
  void push_back(Node v);

  // ---- dicts (insertion-ordered)
  std::vector<DictEntry>& entries();
  const std::vector<DictEntry>& entries() const;
  Node* find(std::string_view key);
  const Node* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Inserts at the end, or replaces in place keeping the key's position.
  Node& set(Key key, Node value);
  bool erase(std::string_view key);

  size_t size() const;  // children of a container, 0 for scalars

  // Follows a dotted path ("a.b.0.c"); list elements are numeric components.
  Node* at_path(std::string_view dotted);
  const Node* at_path(std::string_view dotted) const;

  // Deep equality of type and value (origins and flags are ignored).
  bool operator==(const Node& o) const;
  bool operator!=(const Node& o) const { return !(*this == o); }

  // Human-readable type name used in error messages: "int", "dict", ...
  const char* type_name() const;

  // Where the value came from; empty when unknown.
  std::string origin;
  // OmegaConf's struct flag: unset means inherited from the parent.
  std::optional<bool> struct_flag;

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  int64_t int_ = 0;  // an Int beyond 64 bits keeps its decimal text in str_ instead
  double float_ = 0.0;
  std::string str_;
  std::vector<Node> list_;
  std::vector<DictEntry> dict_;
};

struct DictEntry {
  Key key;
  Node value;
};

// Splits "a.b.c" into {"a","b","c"}. An empty string gives no components.
std::vector<std::string> split_dotted(std::string_view dotted);

}  // namespace ragforge::config
