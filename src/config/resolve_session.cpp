// Node lookup and dereferencing, following omegaconf/base.py
// (_resolve_key_and_root, _select_impl, _resolve_node_interpolation) and
// basecontainer.py (_to_content).
#include "config/resolve_session.h"

#include <cstdlib>

#include "config/python_str.h"
#include "config/yaml_load.h"

namespace ragforge::config::detail {
namespace {

// Python recursion would give out long before this; we stop cleanly instead
// of overflowing the C++ stack.
constexpr int kMaxResolveDepth = 256;
constexpr int kMaxTreeDepth = 1000;

struct DepthGuard {
  DepthGuard(int& d, int limit) : d_(d) {
    if (++d_ > limit) {
      --d_;
      raise("RecursionError", "maximum recursion depth exceeded");
    }
  }
  ~DepthGuard() { --d_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  int& d_;
};

// omegaconf._utils.split_key: "a.b[c].d" -> a, b, c, d; leading dots kept as
// empty components by the caller's _resolve_key_and_root.
std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> out;
  // KEY_PATH_HEAD: (\.)*[^.[]*
  size_t i = 0;
  while (i < key.size() && key[i] == '.') ++i;
  while (i < key.size() && key[i] != '.' && key[i] != '[') ++i;
  size_t head_end = i;
  size_t start = 0;
  for (size_t k = 0; k <= head_end; ++k) {
    if (k == head_end || key[k] == '.') {
      out.push_back(key.substr(start, k - start));
      start = k + 1;
    }
  }
  if (head_end == key.size()) return out;
  if (key[head_end] == '[' && out.back().empty()) out.pop_back();
  // KEY_PATH_OTHER: \.([^.[]*)|\[(.*?)\]
  i = head_end;
  while (i < key.size()) {
    if (key[i] == '.') {
      size_t j = i + 1;
      while (j < key.size() && key[j] != '.' && key[j] != '[') ++j;
      out.push_back(key.substr(i + 1, j - i - 1));
      i = j;
    } else if (key[i] == '[') {
      size_t close = key.find(']', i + 1);
      if (close == std::string::npos) break;  // findall skips what does not match
      out.push_back(key.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      ++i;
    }
  }
  return out;
}

// Python's int(s) acceptance for list indices: optional sign, digits with
// single underscores between them, surrounding whitespace.
bool python_int(const std::string& s, long long& out) {
  size_t b = s.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return false;
  size_t e = s.find_last_not_of(" \t\n\r\f\v");
  std::string t = s.substr(b, e - b + 1);
  size_t i = 0;
  bool neg = false;
  if (t[i] == '+' || t[i] == '-') neg = t[i++] == '-';
  if (i >= t.size()) return false;
  std::string digits;
  for (size_t k = i; k < t.size(); ++k) {
    if (t[k] >= '0' && t[k] <= '9') digits += t[k];
    else if (t[k] == '_' && k > i && k + 1 < t.size() && t[k - 1] != '_' && t[k + 1] >= '0' && t[k + 1] <= '9') continue;
    else return false;
  }
  if (digits.size() > 18) {  // out of any list's range anyway
    out = neg ? -1 : (1LL << 62);
    return true;
  }
  out = std::strtoll(digits.c_str(), nullptr, 10);
  if (neg) out = -out;
  return true;
}

std::string prepend(const std::string& full, bool parent_is_list, bool cur_is_list, const Key& key) {
  std::string k = python_key_str(key);
  if (parent_is_list) {
    if (full.empty()) return "[" + k + "]";
    return cur_is_list ? "[" + k + "]" + full : "[" + k + "]." + full;
  }
  if (full.empty()) return k;
  return cur_is_list ? k + full : k + "." + full;
}

const char* object_type(const Node& container) { return container.is_list() ? "list" : "dict"; }

}  // namespace

PlaceRef make_place(const Node* node, PlaceRef parent, std::optional<Key> key) {
  auto p = std::make_shared<Place>();
  p->node = node;
  p->parent = std::move(parent);
  p->key = std::move(key);
  return p;
}

Value unbox(const Value& v) {
  if (v.ref && !v.ref->node->is_container()) return Value::of(Node(*v.ref->node));
  return v;
}

std::string value_type_name(const Value& v) {
  if (v.ref && v.ref->node->is_dict()) return "DictConfig";
  if (v.ref && v.ref->node->is_list()) return "ListConfig";
  return python_type_name(v.node());
}

std::string value_type_repr(const Value& v) {
  if (v.ref && v.ref->node->is_dict()) return "<class 'omegaconf.dictconfig.DictConfig'>";
  if (v.ref && v.ref->node->is_list()) return "<class 'omegaconf.listconfig.ListConfig'>";
  return std::string("<class '") + python_type_name(v.node()) + "'>";
}

void raise(const std::string& type, const std::string& message) { throw InterpolationError(type, message); }

Session::Session(const Node& root, const ResolveOptions& options)
    : root_node_(root), options_(options), root_(make_place(&root, nullptr, std::nullopt)) {}

void Session::warn(const std::string& message) const {
  if (options_.warn) options_.warn(message);
}

std::string Session::full_key(const PlaceRef& container, const Key* key) {
  std::string full;
  PlaceRef cur = container;
  if (key) {
    full = prepend("", container->node->is_list(), false, *key);
  } else {
    if (!container->key) return "";
    full = python_key_str(*container->key);  // Python starts from str(self._key()) here
  }
  if (key && cur->key)
    full = prepend(full, cur->parent && cur->parent->node->is_list(), cur->node->is_list(), *cur->key);
  for (cur = cur->parent; cur; cur = cur->parent)
    if (cur->key) full = prepend(full, cur->parent && cur->parent->node->is_list(), cur->node->is_list(), *cur->key);
  return full;
}

std::vector<std::string> Session::path_of(const PlaceRef& place) {
  std::vector<std::string> path;
  for (PlaceRef p = place; p; p = p->parent)
    if (p->key) path.insert(path.begin(), p->key->text);
  return path;
}

PlaceRef Session::adopt(Node container, const PlaceRef& parent) {
  arena_.push_back(std::make_unique<Node>(std::move(container)));
  return make_place(arena_.back().get(), parent, std::nullopt);
}

Value Session::create_from_yaml(const std::string& text, const PlaceRef& parent) {
  Node loaded = load_yaml_string(text, "oc.create argument");
  if (loaded.is_container()) return Value::of(adopt(std::move(loaded), parent));
  if (loaded.is_null()) return Value::of(adopt(Node::dict(), parent));
  if (loaded.is_string()) {  // a bare word becomes a key with a null value
    Node d = Node::dict();
    d.set(loaded.as_string(), Node::null());
    return Value::of(adopt(std::move(d), parent));
  }
  raise("ValidationError", std::string("Object of unsupported type: '") + python_type_name(loaded) + "'");
}

PlaceRef Session::hydra_place() {
  if (!options_.hydra) return nullptr;
  if (!hydra_) {
    Node masked = Node::dict();
    masked.set("hydra", *options_.hydra);
    PlaceRef root = adopt(std::move(masked), nullptr);
    hydra_ = make_place(root->node->find("hydra"), root, Key("hydra"));
  }
  return hydra_;
}

std::pair<PlaceRef, std::string> Session::key_and_root(const PlaceRef& from, const std::string& key) const {
  if (key.empty() || key[0] != '.') {
    PlaceRef root = from;
    while (root->parent) root = root->parent;
    return {root, key};
  }
  PlaceRef root = from;
  std::string k = key;
  while (true) {
    k = k.substr(1);
    if (k.empty() || k[0] != '.') break;
    root = root->parent;
    if (!root) raise("ConfigKeyError", "Error resolving key '" + key + "'");
  }
  return {root, k};
}

// omegaconf._select_one: a direct child, or null when absent.
PlaceRef Session::select_one(const PlaceRef& container, const std::string& key, bool throw_on_missing) const {
  const Node& c = *container->node;
  PlaceRef child;
  if (c.is_dict()) {
    for (const DictEntry& e : c.entries())
      if (e.key.type == Key::Type::String && e.key.text == key) {
        child = make_place(&e.value, container, e.key);
        break;
      }
  } else if (c.is_list()) {
    long long idx = 0;
    if (!python_int(key, idx)) raise("TypeError", "Index " + python_str_repr(key) + " (str) is not an int");
    if (idx >= 0 && static_cast<unsigned long long>(idx) < c.items().size())
      child = make_place(&c.items()[static_cast<size_t>(idx)], container, Key::of_int(idx));
  }
  if (child && throw_on_missing && child->node->is_missing())
    raise("MissingMandatoryValue", "Missing mandatory value: " + full_key(container, &*child->key));
  return child;
}

Session::Selected Session::select(const PlaceRef& container, const std::string& key, bool throw_on_missing) {
  Selected out;
  if (key.empty()) {
    out.found = true;
    out.parent = container;
    out.value = Value::of(container);
    return out;
  }
  std::vector<std::string> split = split_key(key);
  PlaceRef cur = container;
  for (size_t i = 0; i + 1 < split.size() && cur; ++i) {
    PlaceRef child = select_one(cur, split[i], throw_on_missing);
    if (!child) {
      cur = nullptr;
      break;
    }
    Value v = dereference(child);
    if (!v.is_config_container()) {
      std::string parent_key;
      for (size_t k = 0; k <= i; ++k) parent_key += (k ? "." : "") + split[k];
      raise("ConfigTypeError", "Error trying to access " + key + ": node `" + parent_key +
                                   "` is not a container and thus cannot contain `" + split[i + 1] + "`");
    }
    cur = v.ref;
  }
  if (!cur) return out;
  out.parent = cur;
  PlaceRef last = select_one(cur, split.back(), throw_on_missing);
  if (!last) return out;
  out.found = true;
  out.value = dereference(last);
  return out;
}

Value Session::dereference(const PlaceRef& place) {
  const Node& n = *place->node;
  if (!n.is_string() || n.as_string().find("${") == std::string::npos) return Value::of(place);
  // OmegaConf keeps a memo of the nodes being resolved on the current path.
  if (in_progress_.count(&n)) raise("InterpolationResolutionError", "Recursive interpolation detected");
  if (!place->parent) raise("InterpolationResolutionError", "Cannot resolve interpolation for a node without a parent");
  DepthGuard guard(depth_, kMaxResolveDepth);
  auto it = parsed_.find(&n);
  if (it == parsed_.end())
    it = parsed_.emplace(&n, std::make_shared<const grammar::Ast>(grammar::parse_config_value(n.as_string()))).first;
  std::shared_ptr<const grammar::Ast> tree = it->second;
  in_progress_.insert(&n);
  struct Pop {
    std::unordered_set<const Node*>& set;
    const Node* n;
    ~Pop() { set.erase(n); }
  } pop{in_progress_, &n};
  EvalCtx ctx{place->parent, place, n.as_string()};
  Value v = eval_tree(*tree, ctx);
  if (!v.ref) v.plain.origin = n.origin;
  return v;
}

Value Session::node_interpolation(const std::string& key, const EvalCtx& ctx) {
  std::pair<PlaceRef, std::string> rk;
  try {
    rk = key_and_root(ctx.self, key);
  } catch (const InterpolationError& e) {
    raise("InterpolationKeyError", "ConfigKeyError while resolving interpolation: " + e.message());
  }
  Selected sel;
  try {
    sel = select(rk.first, rk.second, /*throw_on_missing=*/true);
  } catch (const InterpolationError& e) {
    if (e.type_name() != "MissingMandatoryValue") throw;
    raise("InterpolationToMissingValueError", "MissingMandatoryValue while resolving interpolation: " + e.message());
  }
  if (!sel.found) raise("InterpolationKeyError", "Interpolation key '" + rk.second + "' not found");
  // _validate_not_dereferencing_to_parent
  if (sel.value.ref)
    for (PlaceRef p = ctx.self; p; p = p->parent)
      if (p->node == sel.value.ref->node) raise("InterpolationResolutionError", "Interpolation to parent node detected");
  return sel.value;
}

std::optional<Value> Session::select_node(const PlaceRef& from, const Value& key, bool throw_on_missing) {
  if (!key.node().is_string())
    raise("AttributeError", "'" + value_type_name(key) + "' object has no attribute 'startswith'");
  auto [root, k] = key_and_root(from, key.node().as_string());
  try {
    Selected sel = select(root, k, throw_on_missing);
    if (!sel.found) return std::nullopt;
    return sel.value;
  } catch (const InterpolationError& e) {
    if (e.type_name() == "ConfigTypeError") return std::nullopt;
    throw;
  }
}

Node Session::materialize(const Value& v, int depth) {
  if (v.is_config_container()) return to_container(v.ref, depth + 1);
  return Node(v.node());
}

Node Session::to_container(const PlaceRef& place, int depth) {
  DepthGuard guard(depth, kMaxTreeDepth);
  const Node& c = *place->node;
  Node out = c.is_list() ? Node::list() : Node::dict();
  out.origin = c.origin;
  out.struct_flag = c.struct_flag;
  auto value_of = [&](const Node* child, const Key& key) {
    Value v;
    try {
      v = dereference(make_place(child, place, key));
    } catch (const InterpolationError& e) {
      if (e.has_context()) throw;
      throw e.with_context(full_key(place, &key), object_type(c));
    }
    return materialize(v, depth);
  };
  if (c.is_list()) {
    const auto& items = c.items();
    for (size_t i = 0; i < items.size(); ++i) out.push_back(value_of(&items[i], Key::of_int(static_cast<int64_t>(i))));
  } else {
    for (const DictEntry& e : c.entries()) out.set(e.key, value_of(&e.value, e.key));
  }
  return out;
}

}  // namespace ragforge::config::detail
