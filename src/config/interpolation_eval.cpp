// Evaluation of parse trees: omegaconf/grammar_visitor.py's GrammarVisitor
// and BaseContainer.resolve_parse_tree / _evaluate_custom_resolver.
#include <cerrno>
#include <cstdlib>

#include "config/python_str.h"
#include "config/resolve_session.h"

namespace ragforge::config::detail {
namespace {

using grammar::Ast;
using grammar::Tok;

// text[1::2]: drops the escaping backslash of each pair.
std::string every_second(const std::string& s) {
  std::string out;
  for (size_t i = 1; i < s.size(); i += 2) out += s[i];
  return out;
}

std::string without_underscores(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

// int(text) of an INT token; Python ints are unbounded, so one that does not
// fit in 64 bits is kept as its text.
Node parse_int(const std::string& text) {
  std::string t = without_underscores(text);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno == ERANGE || end == t.c_str() || *end != '\0') return Node::string(text);
  return Node::integer(v);
}

Node parse_float(const std::string& text) {
  std::string t = without_underscores(text);
  return Node::floating(std::strtod(t.c_str(), nullptr));
}

std::string source_of(const Ast& a, const EvalCtx& ctx) {
  if (a.end <= a.begin || a.end > ctx.src.size()) return "";
  return std::string(ctx.src.substr(a.begin, a.end - a.begin));
}

Key key_of(const Node& v) {
  switch (v.type()) {
    case Node::Type::Int: {
      Key k(v.int_text());
      k.type = Key::Type::Int;
      return k;
    }
    case Node::Type::Bool: {
      Key k(v.as_bool() ? "true" : "false");
      k.type = Key::Type::Bool;
      return k;
    }
    case Node::Type::Float: {
      Key k(python_str(v));
      k.type = Key::Type::Float;
      return k;
    }
    case Node::Type::Null: return Key("None");
    default: return Key(python_str(v));
  }
}

// A plain Python container may hold config nodes; we keep an unresolved copy.
Node plain_copy(const Value& v) { return Node(v.node()); }

}  // namespace

Value Session::eval_tree(const Ast& tree, const EvalCtx& ctx) {
  try {
    return visit(tree, ctx);
  } catch (const InterpolationError& e) {
    if (e.is_resolution_error()) throw;
    raise("InterpolationResolutionError", e.type_name() + " raised while resolving interpolation: " + e.what());
  } catch (const ragforge::Error& e) {
    raise("InterpolationResolutionError", std::string("Error raised while resolving interpolation: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    raise("InterpolationResolutionError", std::string("Exception raised while resolving interpolation: ") + e.what());
  }
}

Value Session::visit(const Ast& a, const EvalCtx& ctx) {
  switch (a.kind) {
    case Ast::Kind::Text: return visit_text(a, ctx);
    case Ast::Kind::NodeInter: return visit_node_interpolation(a, ctx);
    case Ast::Kind::ResolverInter: return visit_resolver(a, ctx);
    case Ast::Kind::Primitive:
    case Ast::Kind::DictKey: return visit_primitive(a, ctx);
    case Ast::Kind::Empty: return Value::of(Node::string(""));
    case Ast::Kind::Quoted:
      // visitQuotedValue: always a string, even for a lone interpolation.
      if (a.children.empty()) return Value::of(Node::string(""));
      return Value::of(Node::string(python_str(visit(a.children[0], ctx).node())));
    case Ast::Kind::List: {
      Node list = Node::list();
      if (!a.children.empty())
        for (const Value& v : visit_sequence(a.children[0], ctx, nullptr)) list.push_back(plain_copy(v));
      return Value::of(std::move(list));
    }
    case Ast::Kind::Dict: {
      Node dict = Node::dict();
      for (size_t i = 0; i + 1 < a.children.size(); i += 2) {
        Key key = key_of(unbox(visit(a.children[i], ctx)).node());
        dict.set(key, plain_copy(unbox(visit(a.children[i + 1], ctx))));
      }
      return Value::of(std::move(dict));
    }
    case Ast::Kind::Terminal:
    case Ast::Kind::ConfigKey:
    case Ast::Kind::ResolverName:
    case Ast::Kind::Sequence: break;
  }
  raise("InterpolationResolutionError", "internal error: unexpected grammar node");
}

// visitText: a lone interpolation keeps its value; anything else is a string.
Value Session::visit_text(const Ast& a, const EvalCtx& ctx) {
  if (a.children.size() == 1 && a.children[0].is_interpolation()) return visit(a.children[0], ctx);
  return Value::of(Node::string(unescape(a.children, ctx)));
}

// GrammarVisitor._unescape
std::string Session::unescape(const std::vector<Ast>& parts, const EvalCtx& ctx) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Ast& p = parts[i];
    if (p.is_interpolation()) {
      out += python_str(visit(p, ctx).node());
      continue;
    }
    const Ast* next = i + 1 < parts.size() ? &parts[i + 1] : nullptr;
    bool next_is_interp = next && next->is_interpolation();
    switch (p.tok) {
      case Tok::EscInter:  // `\\...\${`: keep half the backslashes and `${`
        out += p.text.substr(p.text.size() - (p.text.size() / 2 + 1));
        break;
      case Tok::Esc: out += every_second(p.text); break;
      case Tok::TopEsc: out += next_is_interp ? every_second(p.text) : p.text; break;
      case Tok::QuotedEsc: out += (next == nullptr || next_is_interp) ? every_second(p.text) : p.text; break;
      default: out += p.text; break;
    }
  }
  return out;
}

// _createPrimitive
Value Session::visit_primitive(const Ast& a, const EvalCtx& ctx) {
  if (a.children.size() != 1) return Value::of(Node::string(unescape(a.children, ctx)));
  const Ast& c = a.children[0];
  if (c.is_interpolation()) return visit(c, ctx);
  switch (c.tok) {
    case Tok::Null: return Value::of(Node::null());
    case Tok::Int: return Value::of(parse_int(c.text));
    case Tok::Float: return Value::of(parse_float(c.text));
    case Tok::Bool: return Value::of(Node::boolean(c.text.size() == 4));  // "true" in any case
    case Tok::Esc: return Value::of(Node::string(every_second(c.text)));
    default: return Value::of(Node::string(c.text));  // ID, UNQUOTED_CHAR, COLON
  }
}

std::string Session::visit_config_key(const Ast& a, const EvalCtx& ctx) {
  const Ast& c = a.children.at(0);
  if (!c.is_interpolation()) return c.text;
  Value v = unbox(visit(c, ctx));
  if (!v.node().is_string() || v.ref)
    raise("InterpolationResolutionError",
          "The following interpolation is used to denote a config key and thus should return a string, "
          "but instead returned `" + python_str(v.node()) + "` of type `" + value_type_repr(v) + "`: " +
              source_of(c, ctx));
  return v.node().as_string();
}

Value Session::visit_node_interpolation(const Ast& a, const EvalCtx& ctx) {
  std::string key;
  for (const Ast& c : a.children) key += c.kind == Ast::Kind::ConfigKey ? visit_config_key(c, ctx) : c.text;
  return node_interpolation(key, ctx);
}

std::vector<Value> Session::visit_sequence(const Ast& seq, const EvalCtx& ctx, std::vector<std::string>* args_str) {
  std::vector<Value> out;
  bool warned = false;
  for (const Ast& c : seq.children) {
    if (c.kind == Ast::Kind::Empty && !warned) {
      warn("In the sequence `" + source_of(seq, ctx) +
           "` some elements are missing: please replace them with empty quoted strings. "
           "See https://github.com/omry/omegaconf/issues/572 for details.");
      warned = true;
    }
    out.push_back(unbox(visit(c, ctx)));
    if (args_str) args_str->push_back(source_of(c, ctx));
  }
  return out;
}

Value Session::visit_resolver(const Ast& a, const EvalCtx& ctx) {
  std::string name;
  const Ast& name_ast = a.children.at(0);
  for (const Ast& part : name_ast.children) {
    if (!name.empty() || &part != &name_ast.children.front()) name += '.';
    if (!part.is_interpolation()) {
      name += part.text;
      continue;
    }
    Value v = unbox(visit(part, ctx));
    if (!v.node().is_string() || v.ref)
      raise("InterpolationResolutionError", "The name of a resolver must be a string, but the interpolation " +
                                                source_of(part, ctx) + " resolved to `" + python_str(v.node()) +
                                                "` which is of type " + value_type_repr(v));
    name += v.node().as_string();
  }
  std::vector<std::string> args_str;
  std::vector<Value> args = visit_sequence(a.children.at(1), ctx, &args_str);

  std::optional<ResolverEntry> entry = find_resolver(name);
  if (!entry) raise("UnsupportedInterpolationType", "Unsupported interpolation type " + name);
  if (entry->builtin) return call_builtin(*entry->builtin, *this, ctx, args, args_str);

  std::vector<Node> plain_args;
  for (const Value& v : args) plain_args.push_back(plain_copy(v));
  std::vector<std::string> node_path = path_of(ctx.node);
  ResolverContext rc{*key_and_root(ctx.self, "").first->node, node_path, args_str, options_};
  return Value::of(entry->custom(plain_args, rc));
}

}  // namespace ragforge::config::detail
