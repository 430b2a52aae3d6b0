// ParsedValue basics and Hydra's renderings of override values.
#include "config/override.h"
#include "config/override_internal.h"
#include "config/python_int.h"
#include "config/python_repr.h"

namespace ragforge::config {

using Kind = ParsedValue::Kind;

ParsedValue ParsedValue::of_bool(bool v) {
  ParsedValue p;
  p.kind = Kind::Bool;
  p.boolean = v;
  return p;
}
ParsedValue ParsedValue::of_int(int64_t v) {
  ParsedValue p;
  p.kind = Kind::Int;
  p.integer = v;
  return p;
}
ParsedValue ParsedValue::of_int_decimal(std::string decimal) {
  if (auto v = int64_from_decimal(decimal)) return of_int(*v);
  ParsedValue p;
  p.kind = Kind::Int;
  p.big_integer = std::move(decimal);
  return p;
}
std::string ParsedValue::int_text() const {
  return big_integer.empty() ? std::to_string(integer) : big_integer;
}
ParsedValue ParsedValue::of_float(double v) {
  ParsedValue p;
  p.kind = Kind::Float;
  p.floating = v;
  return p;
}
ParsedValue ParsedValue::of_str(std::string v) {
  ParsedValue p;
  p.kind = Kind::Str;
  p.text = std::move(v);
  return p;
}
ParsedValue ParsedValue::of_quoted(std::string v, char quote) {
  ParsedValue p;
  p.kind = Kind::QuotedStr;
  p.text = std::move(v);
  p.quote = quote;
  return p;
}
ParsedValue ParsedValue::list(std::vector<ParsedValue> items) {
  ParsedValue p;
  p.kind = Kind::List;
  p.items = std::move(items);
  return p;
}

bool ParsedValue::is_sweep() const {
  return kind == Kind::ChoiceSweep || kind == Kind::RangeSweep || kind == Kind::IntervalSweep ||
         kind == Kind::Glob;
}

const char* ParsedValue::type_name() const {
  switch (kind) {
    case Kind::Null: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Str: return "str";
    case Kind::QuotedStr: return "QuotedString";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::ChoiceSweep: return "ChoiceSweep";
    case Kind::RangeSweep: return "RangeSweep";
    case Kind::IntervalSweep: return "IntervalSweep";
    case Kind::Glob: return "Glob";
  }
  return "?";
}

std::string escape_special_characters(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\\': case '(': case ')': case '[': case ']': case '{': case '}':
      case ':': case '=': case ',': case ' ': case '\t':
        out += '\\';
        break;
      default:
        break;
    }
    out += c;
  }
  return out;
}

namespace override_detail {

// Backslashes right before a quote (and before the closing quote) are
// doubled; every quote is escaped. The inverse of the parser's unescaping.
std::string with_quotes(const std::string& text, char q) {
  std::string out(1, q);
  size_t run = 0;  // pending backslashes
  for (char c : text) {
    if (c == '\\') {
      ++run;
      continue;
    }
    if (c == q) {
      out.append(2 * run, '\\');
      out += '\\';
    } else {
      out.append(run, '\\');
    }
    run = 0;
    out += c;
  }
  out.append(2 * run, '\\');
  out += q;
  return out;
}

}  // namespace override_detail

std::string render_element(const ParsedValue& v) {
  switch (v.kind) {
    case Kind::Null: return "null";
    case Kind::Bool: return v.boolean ? "True" : "False";
    case Kind::Int: return v.int_text();
    case Kind::Float: return python_float_repr(v.floating);
    case Kind::Str: return escape_special_characters(v.text);
    case Kind::QuotedStr: return override_detail::with_quotes(v.text, v.quote);
    case Kind::List: {
      std::string out = "[";
      for (size_t i = 0; i < v.items.size(); ++i) out += (i ? "," : "") + render_element(v.items[i]);
      return out + "]";
    }
    case Kind::Dict: {
      std::string out = "{";
      for (size_t i = 0; i < v.entries.size(); ++i)
        out += (i ? "," : "") + render_element(v.entries[i].key) + ":" + render_element(v.entries[i].value);
      return out + "}";
    }
    default:
      throw Error(std::string("cannot render a ") + v.type_name() +
                  " as a value: sweeps can only be used at the top level of an override");
  }
}

ParsedValue unquote(const ParsedValue& v) {
  switch (v.kind) {
    case Kind::QuotedStr: return ParsedValue::of_str(v.text);
    case Kind::List: {
      ParsedValue out = v;
      for (auto& x : out.items) x = unquote(x);
      return out;
    }
    case Kind::Dict: {
      ParsedValue out = v;
      for (auto& e : out.entries) {
        e.key = unquote(e.key);
        e.value = unquote(e.value);
      }
      return out;
    }
    default:
      return v;
  }
}

namespace {

Key to_key(const ParsedValue& k) {
  Key key;
  switch (k.kind) {
    case Kind::Str:
    case Kind::QuotedStr:
      key = Key(k.text);
      break;
    case Kind::Int:
      key = Key(k.int_text());
      key.type = Key::Type::Int;
      break;
    case Kind::Bool:
      key = Key(k.boolean ? "true" : "false");
      key.type = Key::Type::Bool;
      break;
    case Kind::Float:
      key = Key(python_float_repr(k.floating));
      key.type = Key::Type::Float;
      break;
    default:
      throw Error(std::string("a config key cannot be ") + (k.kind == Kind::Null ? "null" : k.type_name()) +
                  " (in dict key " + render_element(k) + ")");
  }
  return key;
}

}  // namespace

Node to_node(const ParsedValue& v) {
  switch (v.kind) {
    case Kind::Null: return Node::null();
    case Kind::Bool: return Node::boolean(v.boolean);
    case Kind::Int: return Node::integer_from_decimal(v.int_text());
    case Kind::Float: return Node::floating(v.floating);
    case Kind::Str:
    case Kind::QuotedStr: return Node::string(v.text);
    case Kind::List: {
      Node n = Node::list();
      for (const auto& x : v.items) n.push_back(to_node(x));
      return n;
    }
    case Kind::Dict: {
      Node n = Node::dict();
      for (const auto& e : v.entries) n.set(to_key(e.key), to_node(e.value));
      return n;
    }
    default:
      throw Error(std::string("a ") + v.type_name() + " is a sweep, not a config value; expand it with --multirun");
  }
}

// ---- Override

bool Override::is_sweep() const { return value_type && *value_type != OverrideValueType::Element; }

bool Override::is_hydra_override() const {
  return key_or_group.rfind("hydra.", 0) == 0 || key_or_group.rfind("hydra/", 0) == 0;
}

std::string Override::key_element() const {
  const char* prefix = type == OverrideType::Del ? "~" : type == OverrideType::Add ? "+"
                       : type == OverrideType::ForceAdd ? "++" : "";
  return prefix + key_or_group + (package ? "@" + *package : "");
}

std::string Override::value_as_str() const {
  if (is_sweep()) throw Error("override '" + input + "': cannot convert a sweep to a single value");
  return render_element(value);
}

Node Override::value_node() const {
  if (is_sweep()) throw Error("override '" + input + "' is a sweep; expand it with sweep_values()");
  try {
    Node n = to_node(value);
    n.origin = "override '" + input + "'";
    return n;
  } catch (const OverrideParseError&) {
    throw;
  } catch (const Error& e) {
    throw Error("override '" + input + "': " + e.what());
  }
}

}  // namespace ragforge::config
