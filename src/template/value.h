// Runtime values of the chat-template interpreter, with Python's semantics as
// Jinja2 exposes them: truthiness, str()/repr(), ==, ordering, and json.dumps.
//
// Lists and dicts are immutable once built (transformers renders in Jinja's
// ImmutableSandboxedEnvironment), so copies share storage. The one mutable
// container is a namespace(), whose attributes `{% set ns.x = ... %}` assigns.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ragforge::tmpl {

// A runtime error without a position; the interpreter adds the line and
// column of the expression that raised it.
class OpError : public std::runtime_error {
 public:
  explicit OpError(const std::string& message) : std::runtime_error(message) {}
};

class Value;
using ValueList = std::vector<Value>;

// Insertion-ordered dict (Python 3.7+ dict order), looked up by value equality.
struct ValueDict {
  std::vector<std::pair<Value, Value>> entries;
  const Value* find(const Value& key) const;
  Value* find(const Value& key);
  void set(Value key, Value value);
};

struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};

struct Callable {
  std::string name;
  std::function<Value(CallArgs&)> fn;
};

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable };

  Value() = default;  // Undefined
  static Value undefined(std::string hint = {});
  static Value none();
  Value(bool b);                  // NOLINT(google-explicit-constructor)
  Value(int64_t i);               // NOLINT
  Value(int i) : Value(static_cast<int64_t>(i)) {}
  Value(double f);                // NOLINT
  Value(std::string s);           // NOLINT
  Value(const char* s) : Value(std::string(s)) {}
  Value(ValueList items, bool tuple = false);
  static Value dict(ValueDict d);
  static Value namespace_(ValueDict attrs);
  static Value function(std::string name, std::function<Value(CallArgs&)> fn);
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::List; }  // lists and tuples
  bool is_tuple() const { return kind_ == Kind::List && tuple_; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_namespace() const { return kind_ == Kind::Namespace; }
  bool is_mapping() const { return kind_ == Kind::Dict || kind_ == Kind::Namespace; }
  bool is_callable() const { return kind_ == Kind::Callable; }

  // Containers nest at most this deep (JSON input at most 512 levels).
  static constexpr int kMaxDepth = 1000;
  // Strings (and the rendered output) are at most 256 MiB.
  static constexpr size_t kMaxStringBytes = size_t{256} << 20;
  static void check_string_size(size_t bytes);

  bool as_bool() const { return b_; }
  int64_t as_int() const { return kind_ == Kind::Bool ? (b_ ? 1 : 0) : i_; }
  double as_float() const;  // Int, Float or Bool
  const std::string& as_string() const { return s_ ? *s_ : empty_string(); }
  const ValueList& as_list() const { return *list_; }
  const ValueDict& as_dict() const { return *dict_; }
  ValueDict& namespace_attrs() const { return *dict_; }
  std::weak_ptr<ValueDict> namespace_handle() const { return dict_; }
  const Callable& as_callable() const { return *fn_; }
  // For Undefined: what was looked up, for the error message ("'x' is undefined").
  const std::string& undefined_hint() const { return as_string(); }

  bool truthy() const;
  std::string str() const;   // Python str(); Undefined prints as ""
  std::string repr() const;  // Python repr()
  std::string type_name() const;  // Python's type name, for error messages

  // Python json.dumps(v, ensure_ascii, indent, separators, sort_keys).
  struct JsonOptions {
    bool ensure_ascii = false;
    bool has_indent = false;
    std::string indent;
    std::string item_sep = ", ";
    std::string key_sep = ": ";
    bool sort_keys = false;
  };
  std::string to_json(const JsonOptions& opts) const;

  // Raises OpError for an Undefined value (the jinja2 UndefinedError).
  void require_defined() const;

 private:
  friend std::string repr_impl(const Value& v, int depth);
  Kind kind_ = Kind::Undefined;
  bool tuple_ = false;
  int depth_ = 0;  // container nesting, bounded so copies and destruction cannot exhaust the stack
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0.0;
  std::shared_ptr<const std::string> s_;  // strings and Undefined hints; shared, as copies are frequent
  static const std::string& empty_string();
  std::shared_ptr<const ValueList> list_;
  std::shared_ptr<ValueDict> dict_;
  std::shared_ptr<const Callable> fn_;
};

// Python ==: numbers compare by value across int/float/bool, containers deeply.
bool values_equal(const Value& a, const Value& b);
// Python <: numbers, strings (code-point order), lists/tuples lexicographically.
// Raises OpError for types that do not order.
bool value_less(const Value& a, const Value& b);

// CPython's repr() of a float: shortest round-trip digits, '1e+16', '1e-05', 'inf', 'nan'.
std::string python_float_repr(double v);

// UTF-8 helpers: Python indexes strings by code point.
std::vector<std::string> utf8_chars(const std::string& s);
size_t utf8_length(const std::string& s);
void append_utf8(std::string& out, uint32_t cp);
// Decode one code point at `i` (advancing it); invalid bytes decode as U+FFFD.
uint32_t decode_utf8(const std::string& s, size_t& i);
// Python's str.isspace() for one code point.
bool py_isspace(uint32_t cp);
// str.strip()/lstrip()/rstrip() with no argument (Unicode whitespace).
std::string py_strip(const std::string& s, bool left, bool right);

}  // namespace ragforge::tmpl
