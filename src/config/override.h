// Hydra 1.3.2's command-line override grammar: `[~|+|++]key[@pkg]=value`.
//
// parse_override() is a hand-written lexer and recursive-descent parser that
// accepts exactly what Hydra's ANTLR grammar accepts, produces the same typed
// values (quoted strings kept as quoted), evaluates the grammar functions
// (casts, choice, range, interval, glob, tag, sort, shuffle) with Hydra's
// semantics, and renders values the way Hydra writes them into job overrides
// and `override_dirname`.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/node.h"
#include "core/error.h"

namespace ragforge::config {

enum class OverrideType { Change, Add, ForceAdd, Del };  // "", "+", "++", "~"
enum class OverrideValueType {
  Element,
  SimpleChoiceSweep,
  ChoiceSweep,
  RangeSweep,
  IntervalSweep,
  GlobChoiceSweep
};

struct ParsedEntry;

// One value of the override language, as Hydra's visitor produces it.
struct ParsedValue {
  enum class Kind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    QuotedStr,  // 'text' or "text"; `text` is unescaped, `quote` says which
    List,
    Dict,
    ChoiceSweep,    // items; simple_form for `a,b`; shuffle; tags
    RangeSweep,     // bounds = {start, stop, step} (Int, Float or Bool); shuffle; tags
    IntervalSweep,  // bounds = {start, end}; tags
    Glob            // include / exclude patterns
  };
  Kind kind = Kind::Null;
  bool boolean = false;
  int64_t integer = 0;
  std::string big_integer;  // an Int beyond 64 bits: its decimal text (python_int.h); integer is unused
  double floating = 0.0;
  std::string text;                  // Str, QuotedStr
  char quote = '\'';                 // QuotedStr
  std::vector<ParsedValue> items;    // List, ChoiceSweep
  std::vector<ParsedEntry> entries;  // Dict, in order (keys may be int, float, bool, null)
  std::vector<ParsedValue> bounds;   // RangeSweep, IntervalSweep
  std::vector<std::string> tags;     // sweeps: sorted, unique (Hydra keeps a set)
  bool simple_form = false;          // ChoiceSweep
  bool shuffle = false;              // ChoiceSweep, RangeSweep
  std::vector<std::string> include, exclude;  // Glob
  // A float RangeSweep re-based by sort(): the exact values it yields, so
  // re-stepping from the new start cannot drift (the fix of Hydra #3219).
  std::vector<ParsedValue> sorted_values;

  static ParsedValue null() { return ParsedValue(); }
  static ParsedValue of_bool(bool v);
  static ParsedValue of_int(int64_t v);
  // Any Python int from canonical decimal text; of_int(v) where it fits.
  static ParsedValue of_int_decimal(std::string decimal);
  std::string int_text() const;  // an Int as Python prints it
  static ParsedValue of_float(double v);
  static ParsedValue of_str(std::string v);
  static ParsedValue of_quoted(std::string v, char quote);
  static ParsedValue list(std::vector<ParsedValue> items = {});

  bool is_sweep() const;
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float || kind == Kind::Bool; }
  // Python's type name: "int", "str", "NoneType", "ChoiceSweep", ...
  const char* type_name() const;
};

struct ParsedEntry {
  ParsedValue key;
  ParsedValue value;
};

// Hydra's `_get_value_element_as_str`: `[a,'b c',1.0]`, `{k:v}`, `a\ b`.
// Throws ragforge::Error for a sweep nested inside an element.
std::string render_element(const ParsedValue& v);
// Hydra's `escape_special_characters`: a backslash before each of `\()[]{}:=, \t`.
std::string escape_special_characters(std::string_view s);
// Hydra's `Override.value()`: quoted strings become plain strings (sweeps untouched).
ParsedValue unquote(const ParsedValue& v);
// An element as a config Node; quoted strings become plain strings and
// interpolations stay strings. Throws ragforge::Error for sweeps and for dict
// keys OmegaConf cannot hold (null, containers).
Node to_node(const ParsedValue& v);

struct Override {
  OverrideType type = OverrideType::Change;
  std::string key_or_group;
  std::optional<std::string> package;
  std::optional<OverrideValueType> value_type;  // nullopt for `~key` without value
  ParsedValue value;                            // raw value (quoted strings kept as quoted)
  std::string input;                            // the original argv string
  std::string value_string;                     // raw text after the first '=' ("" if none)

  bool is_sweep() const;
  bool is_delete() const { return type == OverrideType::Del; }
  bool is_add() const { return type == OverrideType::Add; }
  bool is_force_add() const { return type == OverrideType::ForceAdd; }
  // Hydra's test: the key starts with "hydra." or "hydra/".
  bool is_hydra_override() const;
  std::string key_element() const;  // prefix + key + @package
  // Hydra's canonical rendering of an element value (used in override_dirname
  // and job overrides); "null" for `~key`. Throws ragforge::Error for sweeps.
  std::string value_as_str() const;
  // The value with quoted strings unquoted (Hydra's `Override.value()`).
  ParsedValue converted_value() const { return unquote(value); }
  Node value_node() const;
  // Sweep expansion in Hydra's order: the per-job value strings exactly as
  // they appear in job overrides (e.g. 1e-4 -> 0.0001). A glob filters
  // `glob_options` (the group's options; sorted and de-duplicated here).
  // shuffle() sweeps come out in random order. Throws ragforge::Error for
  // interval sweeps and non-sweeps.
  std::vector<std::string> sweep_strings(const std::vector<std::string>& glob_options = {}) const;
  std::vector<ParsedValue> sweep_values(const std::vector<std::string>& glob_options = {}) const;
};

// A rejected override. what() starts with Hydra's own text, byte for byte
// (ANTLR's wording for syntax errors, then Hydra's "See https://..." line),
// so tools that match on Hydra's messages keep working; ragforge's note,
// which says what went wrong and shows a caret under the failing column,
// comes only after it.
class OverrideParseError : public ragforge::Error {
 public:
  // `hydra_message` is Hydra's full text; empty means the Hydra form
  // "Error parsing override '<input>'\n<reason>\nSee ..." (errors raised
  // while evaluating functions, whose reason is already Hydra's wording).
  OverrideParseError(std::string input, size_t byte_offset, std::string reason, std::string hydra_message = {});
  const std::string& input() const { return input_; }
  size_t byte_offset() const { return offset_; }
  const std::string& reason() const { return reason_; }
  const std::string& hydra_message() const { return hydra_message_; }

 private:
  std::string input_;
  size_t offset_;
  std::string reason_;
  std::string hydra_message_;
};

Override parse_override(std::string_view input);  // throws OverrideParseError
std::vector<Override> parse_overrides(const std::vector<std::string>& inputs);

}  // namespace ragforge::config
