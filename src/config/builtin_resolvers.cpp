// Built-in resolvers: omegaconf/resolvers/oc (oc.create, oc.decode,
// oc.deprecated, oc.env, oc.select, oc.dict.keys, oc.dict.values) and the
// ones Hydra registers (hydra, now, python_version). Argument-count errors
// reproduce the TypeError text CPython gives for each Python signature.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "config/python_str.h"
#include "config/resolve_session.h"

namespace ragforge::config::detail {
namespace {

// How the Python function is declared, for CPython's arity messages.
struct Signature {
  const char* name;
  std::vector<const char*> params;    // positional parameters, including _parent_/_node_/_root_
  size_t required;                    // how many leading ones are required
  std::vector<const char*> injected;  // ones OmegaConf also passes by keyword, in its order
};

void check_arity(const Signature& sig, size_t given) {
  std::string name = std::string(sig.name) + "()";
  size_t most = sig.params.size();
  if (given < sig.required)
    raise("TypeError", name + " missing 1 required positional argument: '" + sig.params[given] + "'");
  if (given > most) {
    std::string msg = name + " takes ";
    // Parameters OmegaConf fills by keyword have no default in Python.
    size_t least = sig.required + sig.injected.size();
    msg += least == most ? std::to_string(most) : "from " + std::to_string(least) + " to " + std::to_string(most);
    msg += most == 1 && least == most ? " positional argument" : " positional arguments";
    msg += " but " + std::to_string(given) + (given == 1 ? " was given" : " were given");
    raise("TypeError", msg);
  }
  // A positional argument landing on a parameter OmegaConf also passes by name.
  for (const char* kw : sig.injected)
    for (size_t i = 0; i < given; ++i)
      if (std::string(sig.params[i]) == kw) raise("TypeError", name + " got multiple values for argument '" + kw + "'");
}

const std::string& str_arg(const Value& v) { return v.node().as_string(); }
bool is_str(const Value& v) { return !v.ref && v.node().is_string(); }

// Python's str() of an argument (a config container prints its content).
std::string py_str(const Value& v) { return python_str(v.node()); }

Value oc_env(Session& s, const std::vector<Value>& args) {
  check_arity({"env", {"key", "default"}, 1, {}}, args.size());
  if (!is_str(args[0])) raise("TypeError", "str expected, not " + value_type_name(args[0]));
  const std::string& key = str_arg(args[0]);
  std::optional<std::string> found;
  if (s.options().getenv) {
    found = s.options().getenv(key);
  } else if (const char* env = std::getenv(key.c_str())) {
    found = std::string(env);
  }
  if (found) return Value::of(Node::string(*found));
  if (args.size() > 1) {
    if (args[1].node().is_null() && !args[1].ref) return Value::of(Node::null());
    return Value::of(Node::string(py_str(args[1])));
  }
  // A plain KeyError: its str() is the repr of the message.
  raise("KeyError", python_str_repr("Environment variable '" + key + "' not found"));
}

Value oc_select(Session& s, const EvalCtx& ctx, const std::vector<Value>& args) {
  check_arity({"select", {"key", "default"}, 1, {}}, args.size());
  std::optional<Value> node = s.select_node(ctx.self, args[0], /*throw_on_missing=*/false);
  if (!node || node->node().is_missing()) return args.size() > 1 ? args[1] : Value::of(Node::null());
  return unbox(*node);
}

Value oc_decode(Session& s, const EvalCtx& ctx, const std::vector<Value>& args) {
  check_arity({"decode", {"expr", "_parent_", "_node_"}, 1, {"_parent_", "_node_"}}, args.size());
  const Value& expr = args[0];
  if (!expr.ref && expr.node().is_null()) return Value::of(Node::null());
  if (!is_str(expr))
    raise("TypeError", "`oc.decode` can only take strings or None as input, but `" + py_str(expr) +
                           "` is of type " + value_type_name(expr));
  std::string text = str_arg(expr);
  grammar::Ast tree = grammar::parse_single_element(text);
  EvalCtx inner{ctx.self, ctx.node, text};
  return unbox(s.eval_tree(tree, inner));
}

Value oc_create(Session& s, const EvalCtx& ctx, const std::vector<Value>& args) {
  check_arity({"create", {"obj", "_parent_"}, 1, {"_parent_"}}, args.size());
  const Value& obj = args[0];
  const Node& n = obj.node();
  if (n.is_container()) return Value::of(s.adopt(Node(n), ctx.self));
  if (n.is_null()) return Value::of(Node::null());
  if (n.is_string()) return s.create_from_yaml(n.as_string(), ctx.self);
  raise("ValidationError", std::string("Object of unsupported type: '") + python_type_name(n) + "'");
}

// Full key of the node being resolved (ValueNode._get_full_key(None)).
std::string node_full_key(const PlaceRef& node) {
  if (!node->parent) return node->key ? python_key_str(*node->key) : "";
  return Session::full_key(node->parent, node->key ? &*node->key : nullptr);
}

// string.Template.safe_substitute for $OLD_KEY / $NEW_KEY.
std::string substitute(const std::string& tmpl, const std::string& old_key, const std::string& new_key) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '$') {
      out += tmpl[i++];
      continue;
    }
    if (tmpl.compare(i, 2, "$$") == 0) { out += '$'; i += 2; continue; }
    bool braced = tmpl.compare(i, 2, "${") == 0;
    size_t start = i + (braced ? 2 : 1);
    size_t j = start;
    while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) ++j;
    std::string ident = tmpl.substr(start, j - start);
    if (braced && (j >= tmpl.size() || tmpl[j] != '}')) { out += tmpl[i++]; continue; }
    const std::string* rep = ident == "OLD_KEY" ? &old_key : ident == "NEW_KEY" ? &new_key : nullptr;
    if (!rep) { out += tmpl[i++]; continue; }
    out += *rep;
    i = j + (braced ? 1 : 0);
  }
  return out;
}

Value oc_deprecated(Session& s, const EvalCtx& ctx, const std::vector<Value>& args) {
  check_arity({"deprecated", {"key", "message"}, 1, {}}, args.size());
  if (!is_str(args[0]))
    raise("TypeError", "oc.deprecated: interpolation key type is not a string (" + value_type_name(args[0]) + ")");
  std::string message = "'$OLD_KEY' is deprecated. Change your code and config to use '$NEW_KEY'";
  if (args.size() > 1) {
    if (!is_str(args[1]))
      raise("TypeError",
            "oc.deprecated: interpolation message type is not a string (" + value_type_name(args[1]) + ")");
    message = str_arg(args[1]);
  }
  std::string full_key = node_full_key(ctx.node);
  std::optional<Value> target = s.select_node(ctx.self, args[0], /*throw_on_missing=*/false);
  if (!target)
    raise("ConfigKeyError",
          "In oc.deprecated resolver at '" + full_key + "': Key not found: '" + str_arg(args[0]) + "'");
  std::string new_key = target->ref ? node_full_key(target->ref) : str_arg(args[0]);
  s.warn(substitute(message, full_key, new_key));
  return *target;
}

// _get_and_validate_dict_input
Value dict_input(Session& s, const EvalCtx& ctx, const Value& key, const char* resolver) {
  if (!is_str(key))
    raise("TypeError", std::string("`") + resolver + "` requires a string as input, but obtained `" + py_str(key) +
                           "` of type: " + value_type_name(key));
  std::optional<Value> node = s.select_node(ctx.self, key, /*throw_on_missing=*/true);
  if (!node) raise("ConfigKeyError", "Key not found: '" + str_arg(key) + "'");
  Value v = unbox(*node);
  if (!(v.ref && v.ref->node->is_dict()))
    raise("TypeError", std::string("`") + resolver + "` cannot be applied to objects of type: " + value_type_name(v));
  return v;
}

Value oc_dict_keys(Session& s, const EvalCtx& ctx, const std::vector<Value>& args) {
  check_arity({"keys", {"key", "_parent_"}, 1, {"_parent_"}}, args.size());
  Value in = dict_input(s, ctx, args[0], "oc.dict.keys");
  Node keys = Node::list();
  for (const DictEntry& e : in.ref->node->entries()) {
    switch (e.key.type) {
      case Key::Type::Int: keys.push_back(Node::integer_from_decimal(e.key.text)); break;
      case Key::Type::Bool: keys.push_back(Node::boolean(python_key_str(e.key) == "True")); break;
      case Key::Type::Float: keys.push_back(Node::floating(std::strtod(e.key.text.c_str(), nullptr))); break;
      case Key::Type::String: keys.push_back(Node::string(e.key.text)); break;
    }
  }
  return Value::of(s.adopt(std::move(keys), ctx.self));
}

Value oc_dict_values(Session& s, const EvalCtx& ctx, const std::vector<Value>& args) {
  check_arity({"values", {"key", "_root_", "_parent_"}, 1, {"_parent_", "_root_"}}, args.size());
  Value in = dict_input(s, ctx, args[0], "oc.dict.values");
  std::string key = str_arg(args[0]);
  if (!key.empty() && key[0] == '.') key = "." + key;  // the list sits one level below _parent_
  Node values = Node::list();
  for (const DictEntry& e : in.ref->node->entries())
    values.push_back(Node::string("${" + key + "." + python_key_str(e.key) + "}"));
  return Value::of(s.adopt(std::move(values), ctx.self));
}

Value hydra_resolver(Session& s, const std::vector<Value>& args) {
  check_arity({"<lambda>", {"path"}, 1, {}}, args.size());
  PlaceRef hydra = s.hydra_place();
  if (!hydra) raise("ValueError", "HydraConfig was not set");
  // OmegaConf.select(hydra_cfg, path): keys are relative to the hydra node.
  Value key = args[0];
  if (is_str(key) && (str_arg(key).empty() || str_arg(key)[0] != '.'))
    key = Value::of(Node::string("." + str_arg(key)));
  std::optional<Value> node = s.select_node(hydra, key, /*throw_on_missing=*/false);
  if (!node || node->node().is_missing()) return Value::of(Node::null());
  return unbox(*node);
}

// datetime.now().strftime(pattern), with Python's %f (microseconds).
Value now_resolver(Session& s, const std::vector<Value>& args, const std::vector<std::string>& args_str) {
  check_arity({"<lambda>", {"pattern"}, 1, {}}, args.size());
  std::string cache_key = "now:" + args_str[0];
  auto cached = s.cache().find(cache_key);
  if (cached != s.cache().end()) return cached->second;  // Hydra registers `now` with use_cache=True
  if (!is_str(args[0])) raise("TypeError", "strftime() argument 1 must be str, not " + value_type_name(args[0]));
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  long micros = static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::string pattern;
  const std::string& in = str_arg(args[0]);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 1 < in.size() && in[i + 1] == 'f') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%06ld", micros);
      pattern += buf;
      ++i;
    } else if (in[i] == '%' && i + 1 < in.size()) {
      pattern += in.substr(i, 2);
      ++i;
    } else {
      pattern += in[i];
    }
  }
  // A trailing marker tells an empty result apart from a too-small buffer.
  pattern += '\x01';
  std::string out(pattern.size() * 4 + 64, '\0');
  size_t n = std::strftime(&out[0], out.size(), pattern.c_str(), &tm);
  out.resize(n > 0 ? n - 1 : 0);
  Value v = Value::of(Node::string(out));
  s.cache()[cache_key] = v;
  return v;
}

Value python_version_resolver(Session& s, const std::vector<Value>& args) {
  check_arity({"<lambda>", {"level"}, 0, {}}, args.size());
  std::string level = args.empty() ? "minor" : (is_str(args[0]) ? str_arg(args[0]) : "");
  const std::string& full = s.options().python_version;
  size_t dot1 = full.find('.');
  size_t dot2 = dot1 == std::string::npos ? std::string::npos : full.find('.', dot1 + 1);
  if (level == "major") return Value::of(Node::string(full.substr(0, dot1)));
  if (level == "minor") return Value::of(Node::string(full.substr(0, dot2)));
  if (level == "micro") return Value::of(Node::string(full));
  return Value::of(Node::null());  // version_dict.get(level)
}

}  // namespace

Value call_builtin(Builtin which, Session& s, const EvalCtx& ctx, const std::vector<Value>& args,
                   const std::vector<std::string>& args_str) {
  switch (which) {
    case Builtin::OcEnv: return oc_env(s, args);
    case Builtin::OcSelect: return oc_select(s, ctx, args);
    case Builtin::OcDecode: return oc_decode(s, ctx, args);
    case Builtin::OcCreate: return oc_create(s, ctx, args);
    case Builtin::OcDeprecated: return oc_deprecated(s, ctx, args);
    case Builtin::OcDictKeys: return oc_dict_keys(s, ctx, args);
    case Builtin::OcDictValues: return oc_dict_values(s, ctx, args);
    case Builtin::Hydra: return hydra_resolver(s, args);
    case Builtin::Now: return now_resolver(s, args, args_str);
    case Builtin::PythonVersion: return python_version_resolver(s, args);
  }
  raise("InterpolationResolutionError", "internal error: unknown built-in resolver");
}

}  // namespace ragforge::config::detail
