// Internals of interpolation resolution, shared by interpolation.cpp and the
// built-in resolvers. Not part of the public API.
//
// OmegaConf nodes know their parent; ours do not, so a node being resolved is
// addressed by a Place: the node plus the chain of containers above it. That
// chain is what relative interpolations (`${..x}`) climb and what error
// messages print as "full_key".
#pragma once
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "config/interpolation_error.h"
#include "config/interpolation_grammar.h"
#include "config/node.h"
#include "config/resolvers.h"

namespace ragforge::config::detail {

struct Place;
using PlaceRef = std::shared_ptr<const Place>;

struct Place {
  const Node* node = nullptr;
  PlaceRef parent;          // container holding `node`; null at a root
  std::optional<Key> key;   // key or index in `parent`; none for a container a resolver created
};

PlaceRef make_place(const Node* node, PlaceRef parent, std::optional<Key> key);

// The result of evaluating an expression: either a node of the config (kept
// with its place, like OmegaConf returning the Node itself) or a plain Python
// value produced by the grammar or a resolver (never resolved again).
struct Value {
  PlaceRef ref;
  Node plain;

  static Value of(PlaceRef p) { Value v; v.ref = std::move(p); return v; }
  static Value of(Node n) { Value v; v.plain = std::move(n); return v; }
  const Node& node() const { return ref ? *ref->node : plain; }
  bool is_config_container() const { return ref && ref->node->is_container(); }
};

// OmegaConf's _get_value(): a config scalar becomes its plain value; config
// containers stay as they are.
Value unbox(const Value& v);

// Python's type(v).__name__ (DictConfig/ListConfig for config containers)
// and repr(type(v)).
std::string value_type_name(const Value& v);
std::string value_type_repr(const Value& v);

// Shorthand for raising an OmegaConf/Python exception by name.
[[noreturn]] void raise(const std::string& type, const std::string& message);

// Where an expression is evaluated: `self` is the container of the node being
// resolved (OmegaConf's `_parent_`), `node` that node (`_node_`).
struct EvalCtx {
  PlaceRef self;
  PlaceRef node;
  std::string_view src;  // text the parse tree came from
};

enum class Builtin {
  OcCreate, OcDecode, OcDeprecated, OcEnv, OcSelect, OcDictKeys, OcDictValues, Hydra, Now, PythonVersion,
};

struct ResolverEntry {
  Resolver custom;
  std::optional<Builtin> builtin;
};
std::optional<ResolverEntry> find_resolver(const std::string& name);

// One resolution run (one resolve_all / resolve_value call).
class Session {
 public:
  Session(const Node& root, const ResolveOptions& options);

  const ResolveOptions& options() const { return options_; }
  const PlaceRef& root_place() const { return root_; }

  // The value of the node at `place`: resolved if it is an interpolation.
  Value dereference(const PlaceRef& place);

  // Deep copy of the container at `place` with everything resolved
  // (BaseContainer._to_content with resolve=True).
  Node to_container(const PlaceRef& place, int depth = 0);
  // A value as it appears in to_container's output.
  Node materialize(const Value& v, int depth);

  // _resolve_key_and_root: leading dots climb from `from`; otherwise the
  // root. Throws ConfigKeyError.
  std::pair<PlaceRef, std::string> key_and_root(const PlaceRef& from, const std::string& key) const;

  // _select_impl below `container`.
  struct Selected {
    bool found = false;
    PlaceRef parent;
    Value value;
  };
  Selected select(const PlaceRef& container, const std::string& key, bool throw_on_missing);

  // omegaconf._impl.select_node / select_value (absolute keys, as resolvers use).
  std::optional<Value> select_node(const PlaceRef& from, const Value& key, bool throw_on_missing);

  // Evaluates a parse tree; OmegaConf's resolve_parse_tree, which wraps any
  // non-interpolation error as "X raised while resolving interpolation: ...".
  Value eval_tree(const grammar::Ast& tree, const EvalCtx& ctx);

  // A container produced by a resolver, owned by this session and placed
  // under `parent` (OmegaConf.create(obj, parent=_parent_)).
  PlaceRef adopt(Node container, const PlaceRef& parent);
  // OmegaConf.create(yaml_text, parent=_parent_), as oc.create does for a string.
  Value create_from_yaml(const std::string& text, const PlaceRef& parent);

  // The `hydra` node for ${hydra:...}, inside a root of its own like
  // HydraConfig's masked copy; null without ResolveOptions::hydra.
  PlaceRef hydra_place();

  // Per-session cache for resolvers registered with use_cache (now).
  std::map<std::string, Value>& cache() { return cache_; }

  // OmegaConf's _get_full_key for `key` in `container` (or the container itself).
  static std::string full_key(const PlaceRef& container, const Key* key);
  static std::vector<std::string> path_of(const PlaceRef& place);

  void warn(const std::string& message) const;

 private:
  Value visit(const grammar::Ast& a, const EvalCtx& ctx);
  Value visit_text(const grammar::Ast& a, const EvalCtx& ctx);
  Value visit_primitive(const grammar::Ast& a, const EvalCtx& ctx);
  Value visit_node_interpolation(const grammar::Ast& a, const EvalCtx& ctx);
  Value visit_resolver(const grammar::Ast& a, const EvalCtx& ctx);
  std::string visit_config_key(const grammar::Ast& a, const EvalCtx& ctx);
  std::vector<Value> visit_sequence(const grammar::Ast& seq, const EvalCtx& ctx,
                                    std::vector<std::string>* args_str);
  std::string unescape(const std::vector<grammar::Ast>& parts, const EvalCtx& ctx);
  Value node_interpolation(const std::string& key, const EvalCtx& ctx);
  PlaceRef select_one(const PlaceRef& container, const std::string& key, bool throw_on_missing) const;

  const Node& root_node_;
  const ResolveOptions& options_;
  PlaceRef root_;
  std::deque<std::unique_ptr<Node>> arena_;
  std::unordered_set<const Node*> in_progress_;
  std::unordered_map<const Node*, std::shared_ptr<const grammar::Ast>> parsed_;
  std::map<std::string, Value> cache_;
  PlaceRef hydra_;
  int depth_ = 0;
};

Value call_builtin(Builtin which, Session& s, const EvalCtx& ctx, const std::vector<Value>& args,
                   const std::vector<std::string>& args_str);

}  // namespace ragforge::config::detail
