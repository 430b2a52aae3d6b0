#include "config/yaml_load.h"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "config/python_repr.h"
#include "config/utf8.h"
#include "config/yaml_scalar.h"
#include "core/error.h"

namespace ragforge::config {

namespace {

// Deeper nesting than any real config; the limit keeps every recursive walk
// over a Node (copy, compare, emit, destroy) far from the stack's end.
constexpr size_t kMaxDepth = 512;

constexpr const char* kYamlTagPrefix = "tag:yaml.org,2002:";

// PyYAML's mark format: `  in "file", line L, column C` (1-based).
std::string where(const std::string& source, int line, int column) {
  return "  in \"" + source + "\", line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1);
}
std::string where(const std::string& source, const YAML::Mark& m) { return where(source, m.line, m.column); }

[[noreturn]] void fail_at(const std::string& source, const YAML::Mark& m, const std::string& problem,
                          const std::string& context = "", const YAML::Mark* context_mark = nullptr) {
  std::string msg;
  if (!context.empty()) {
    msg += context + "\n";
    if (context_mark) msg += where(source, *context_mark) + "\n";
  }
  msg += problem + "\n" + where(source, m);
  throw Error(msg);
}

// PyYAML's Reader accepts only these characters (its NON_PRINTABLE regex),
// and the file must be valid UTF-8. Checked up front so the parser only
// ever sees clean text and the error can say where the bad byte is.
void check_text(std::string_view text, const std::string& source) {
  int line = 0, column = 0;
  for (size_t i = 0; i < text.size();) {
    std::u32string one;
    size_t bad = 0;
    // Decode one character at a time to know its position.
    size_t len = 1;
    const unsigned char c0 = static_cast<unsigned char>(text[i]);
    if (c0 >= 0xF0) len = 4;
    else if (c0 >= 0xE0) len = 3;
    else if (c0 >= 0xC0) len = 2;
    if (len > text.size() - i || !decode_utf8(text.substr(i, len), one, &bad) || one.size() != 1) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c0);
      throw Error("'utf-8' codec can't decode byte " + std::string(hex) + ": invalid UTF-8\n" +
                  where(source, line, column));
    }
    const char32_t c = one[0];
    const bool printable = c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
                           (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
                           (c >= 0x10000 && c <= 0x10FFFF);
    if (!printable) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "#x%04x", static_cast<unsigned>(c));
      throw Error("unacceptable character " + std::string(hex) + ": special characters are not allowed\n" +
                  where(source, line, column));
    }
    if (c == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
    i += len;
  }
}

// A mapping key as PyYAML constructed it, with what OmegaConf needs to know.
struct PendingKey {
  enum class Kind { Scalar, Merge, Null, Container };
  Kind kind = Kind::Scalar;
  Key key;
  double float_value = 0.0;  // for Float keys (Python compares keys by value)
  bool str_tagged = false;   // OmegaConf's duplicate check only sees str keys
  std::string raw;           // the scalar text, for the duplicate message
  YAML::Mark mark;
};

struct Frame {
  bool is_map = false;
  Node node;                        // the list, or the mapping being filled
  YAML::Mark mark;
  YAML::anchor_t anchor = YAML::NullAnchor;
  std::vector<std::pair<PendingKey, Node>> pairs;  // mappings: collected in order
  bool have_key = false;
  PendingKey key;
};

// Python's dict treats 1, 1.0 and True as one key (and 0, 0.0, False).
bool numeric_value(const PendingKey& k, double* v) {
  switch (k.key.type) {
    case Key::Type::Bool: *v = k.key.text == "true" ? 1.0 : 0.0; return true;
    case Key::Type::Int: *v = static_cast<double>(std::stoll(k.key.text)); return true;
    case Key::Type::Float: *v = k.float_value; return true;
    case Key::Type::String: return false;
  }
  return false;
}
bool same_python_key(const PendingKey& a, const PendingKey& b) {
  if (a.key.type == Key::Type::String || b.key.type == Key::Type::String)
    return a.key.type == b.key.type && a.key.text == b.key.text;
  if (a.key.type == Key::Type::Int && b.key.type == Key::Type::Int) return a.key.text == b.key.text;
  double x = 0, y = 0;
  numeric_value(a, &x);
  numeric_value(b, &y);
  return x == y;  // NaN keys never collide
}

class Builder : public YAML::EventHandler {
 public:
  explicit Builder(const std::string& source) : source_(source) {}

  bool has_root() const { return has_root_; }
  Node take_root() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark& mark) override { doc_mark_ = mark; }
  const YAML::Mark& doc_mark() const { return doc_mark_; }
  void OnDocumentEnd() override {}

  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    auto it = anchor_marks_.find(name);
    if (it != anchor_marks_.end())
      fail_at(source_, mark, "second occurrence", "found duplicate anchor '" + name + "'; first occurrence",
              &it->second);
    anchor_marks_.emplace(name, mark);
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Node n;
    n.origin = origin(mark);
    emit_scalar(std::move(n), mark, anchor, PendingKey::Kind::Null, Key(), "", false);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) fail_at(source_, mark, "found recursive alias (an anchor used inside itself)");
    Node copy = it->second.node;
    if (copy.is_container()) {
      if (depth() + it->second.depth > kMaxDepth) fail_at(source_, mark, "nesting is too deep");
      add_value(std::move(copy), mark, it->second.key);
      return;
    }
    add_value(std::move(copy), mark, it->second.key);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Node n;
    PendingKey::Kind kind = PendingKey::Kind::Scalar;
    bool str_tagged = false;
    if (tag == "?") {
      switch (resolve_plain_scalar(value, YamlResolver::OmegaConfLoader)) {
        case YamlTag::Null: kind = PendingKey::Kind::Null; break;
        case YamlTag::Bool: n = Node::boolean(*construct_yaml_bool(value)); break;
        case YamlTag::Int: n = make_int(value, mark); break;
        case YamlTag::Float: n = make_float(value, mark); break;
        case YamlTag::Merge: kind = PendingKey::Kind::Merge; n = Node::string(value); break;
        case YamlTag::Value:
          // PyYAML has no constructor for `=` except as a key, where
          // flatten_mapping retags it as a string.
          if (!in_key_position())
            fail_at(source_, mark, "could not determine a constructor for the tag 'tag:yaml.org,2002:value'",
                    "while constructing an object (value)");
          n = Node::string(value);
          break;
        case YamlTag::Str:
        case YamlTag::Timestamp:  // OmegaConf removes the timestamp resolver
        case YamlTag::Yaml: n = Node::string(value); str_tagged = true; break;
      }
    } else if (tag == "!") {
      n = Node::string(value);
      str_tagged = true;
    } else {
      n = explicit_tag(tag, value, mark, &kind, &str_tagged);
    }
    n.origin = origin(mark);
    emit_scalar(std::move(n), mark, anchor, kind, Key(), value, str_tagged);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    check_collection_tag(tag, "seq", mark);
    push(false, mark, anchor);
  }
  void OnSequenceEnd() override { pop(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    check_collection_tag(tag, "map", mark);
    push(true, mark, anchor);
  }
  void OnMapEnd() override { pop(); }

 private:
  struct Anchored {
    Node node;
    size_t depth = 0;
    PendingKey key;  // how the node reads as a mapping key
  };

  std::string origin(const YAML::Mark& m) const { return source_ + ":" + std::to_string(m.line + 1); }
  size_t depth() const { return stack_.size(); }
  bool in_key_position() const { return !stack_.empty() && stack_.back().is_map && !stack_.back().have_key; }

  Node make_int(const std::string& value, const YAML::Mark& mark) {
    const auto v = construct_yaml_int(value);
    if (!v) fail_at(source_, mark, "invalid or out-of-range integer '" + value + "' (ints must fit in 64 bits)");
    return Node::integer(*v);
  }
  Node make_float(const std::string& value, const YAML::Mark& mark) {
    const auto v = construct_yaml_float(value);
    if (!v) fail_at(source_, mark, "could not convert '" + value + "' to float");
    return Node::floating(*v);
  }

  Node explicit_tag(const std::string& tag, const std::string& value, const YAML::Mark& mark,
                    PendingKey::Kind* kind, bool* str_tagged) {
    const std::string prefix = kYamlTagPrefix;
    const std::string name = tag.rfind(prefix, 0) == 0 ? tag.substr(prefix.size()) : "";
    if (name == "str") {
      *str_tagged = true;
      return Node::string(value);
    }
    if (name == "int") return make_int(value, mark);
    if (name == "float") return make_float(value, mark);
    if (name == "bool") {
      const auto b = construct_yaml_bool(value);
      if (!b) fail_at(source_, mark, "invalid bool '" + value + "'");
      return Node::boolean(*b);
    }
    if (name == "null") {
      *kind = PendingKey::Kind::Null;
      return Node();
    }
    if (name == "merge") {
      *kind = PendingKey::Kind::Merge;
      return Node::string(value);
    }
    fail_at(source_, mark, "could not determine a constructor for the tag '" + tag + "'",
            "while constructing an object");
  }

  void check_collection_tag(const std::string& tag, const char* want, const YAML::Mark& mark) {
    if (tag == "?" || tag == "!" || tag.empty() || tag == std::string(kYamlTagPrefix) + want) return;
    fail_at(source_, mark, "could not determine a constructor for the tag '" + tag + "'",
            "while constructing an object");
  }

  void push(bool is_map, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (stack_.size() >= kMaxDepth) fail_at(source_, mark, "nesting is too deep");
    Frame f;
    f.is_map = is_map;
    f.node = is_map ? Node::dict() : Node::list();
    f.node.origin = origin(mark);
    f.mark = mark;
    f.anchor = anchor;
    stack_.push_back(std::move(f));
  }

  void pop() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.is_map) build_mapping(f);
    PendingKey as_key;
    as_key.kind = PendingKey::Kind::Container;
    if (f.anchor != YAML::NullAnchor) remember(f.anchor, f.node, as_key);
    add_value(std::move(f.node), f.mark, as_key);
  }

  void remember(YAML::anchor_t anchor, const Node& n, const PendingKey& as_key) {
    Anchored a;
    a.node = n;
    a.key = as_key;
    a.depth = node_depth(n);
    anchors_[anchor] = std::move(a);
  }

  static size_t node_depth(const Node& n) {
    if (!n.is_container()) return 0;
    size_t d = 0;
    if (n.is_list())
      for (const auto& c : n.items()) d = std::max(d, node_depth(c));
    else
      for (const auto& e : n.entries()) d = std::max(d, node_depth(e.value));
    return d + 1;
  }

  void emit_scalar(Node n, const YAML::Mark& mark, YAML::anchor_t anchor, PendingKey::Kind kind, Key,
                   const std::string& raw, bool str_tagged) {
    PendingKey k;
    k.kind = kind;
    k.raw = raw;
    k.mark = mark;
    k.str_tagged = str_tagged;
    if (kind == PendingKey::Kind::Scalar) {
      switch (n.type()) {
        case Node::Type::String: k.key = Key(n.as_string()); break;
        case Node::Type::Int: k.key = Key::of_int(n.as_int()); break;
        case Node::Type::Bool:
          k.key = Key(n.as_bool() ? "true" : "false");
          k.key.type = Key::Type::Bool;
          break;
        case Node::Type::Float:
          k.key = Key(python_float_repr(n.as_float()));
          k.key.type = Key::Type::Float;
          k.float_value = n.as_float();
          break;
        default: break;
      }
    } else if (kind == PendingKey::Kind::Merge) {
      k.key = Key(raw);
    }
    if (anchor != YAML::NullAnchor) remember(anchor, n, k);
    add_value(std::move(n), mark, k);
  }

  // Hands a finished node to its parent (or makes it the root).
  void add_value(Node n, const YAML::Mark& mark, PendingKey as_key) {
    if (stack_.empty()) {
      root_ = std::move(n);
      has_root_ = true;
      return;
    }
    Frame& parent = stack_.back();
    if (!parent.is_map) {
      parent.node.push_back(std::move(n));
      return;
    }
    if (!parent.have_key) {
      as_key.mark = mark;
      parent.key = std::move(as_key);
      parent.have_key = true;
      return;
    }
    parent.pairs.emplace_back(std::move(parent.key), std::move(n));
    parent.have_key = false;
  }

  // OmegaConf's duplicate check, then PyYAML's merge-key flattening and
  // dict construction (later values win, a key keeps its first position).
  void build_mapping(Frame& f) {
    std::unordered_map<std::string, const PendingKey*> seen;
    for (const auto& [k, v] : f.pairs) {
      if (k.kind != PendingKey::Kind::Scalar || !k.str_tagged) continue;
      if (!seen.emplace(k.raw, &k).second)
        fail_at(source_, k.mark, "found duplicate key " + k.raw, "while constructing a mapping", &f.mark);
    }
    std::vector<std::pair<PendingKey, Node>> merged;
    std::vector<std::pair<PendingKey, Node>> own;
    for (auto& [k, v] : f.pairs) {
      if (k.kind != PendingKey::Kind::Merge) {
        own.emplace_back(std::move(k), std::move(v));
        continue;
      }
      if (v.is_dict()) {
        append_entries(v, k.mark, &merged);
      } else if (v.is_list()) {
        std::vector<const Node*> subs;
        for (const auto& sub : v.items()) {
          if (!sub.is_dict())
            fail_at(source_, k.mark,
                    std::string("expected a mapping for merging, but found ") + (sub.is_list() ? "sequence" : "scalar"),
                    "while constructing a mapping", &f.mark);
          subs.push_back(&sub);
        }
        for (auto it = subs.rbegin(); it != subs.rend(); ++it) append_entries(**it, k.mark, &merged);
      } else {
        fail_at(source_, k.mark, "expected a mapping or list of mappings for merging, but found scalar",
                "while constructing a mapping", &f.mark);
      }
    }
    for (auto& p : own) merged.push_back(std::move(p));
    std::vector<PendingKey> keys;
    auto& entries = f.node.entries();
    for (auto& [k, v] : merged) {
      if (k.kind == PendingKey::Kind::Container)
        fail_at(source_, k.mark, "found unhashable key", "while constructing a mapping", &f.mark);
      if (k.kind == PendingKey::Kind::Null)
        fail_at(source_, k.mark, "Incompatible key type 'NoneType' (null is not a valid config key)");
      size_t i = 0;
      while (i < keys.size() && !same_python_key(keys[i], k)) ++i;
      if (i < keys.size()) {
        entries[i].value = std::move(v);
      } else {
        keys.push_back(k);
        entries.push_back(DictEntry{k.key, std::move(v)});
      }
    }
  }

  static void append_entries(const Node& dict, const YAML::Mark& mark,
                             std::vector<std::pair<PendingKey, Node>>* out) {
    for (const auto& e : dict.entries()) {
      PendingKey k;
      k.key = e.key;
      k.mark = mark;
      if (e.key.type == Key::Type::Float) k.float_value = std::strtod(e.key.text.c_str(), nullptr);
      out->emplace_back(std::move(k), e.value);
    }
  }

  const std::string& source_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::unordered_map<std::string, YAML::Mark> anchor_marks_;
  Node root_;
  bool has_root_ = false;
  YAML::Mark doc_mark_;
};

}  // namespace

Node load_yaml_string(std::string_view text, const std::string& source_name) {
  check_text(text, source_name);
  std::istringstream in{std::string(text)};
  Builder builder(source_name);
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder) || !builder.has_root()) {
      Node empty = Node::dict();
      empty.origin = source_name + ":1";
      return empty;
    }
    // PyYAML's yaml.load wants exactly one document.
    Builder rest(source_name);
    if (parser.HandleNextDocument(rest))
      fail_at(source_name, rest.doc_mark(), "but found another document", "expected a single document in the stream",
              &builder.doc_mark());
  } catch (const YAML::Exception& e) {
    fail_at(source_name, e.mark, e.msg);
  }
  Node root = builder.take_root();
  if (root.is_null()) {
    Node empty = Node::dict();
    empty.origin = root.origin;
    return empty;
  }
  return root;
}

Node load_yaml_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("Cannot read config file '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw Error("Cannot read config file '" + path + "': read error");
  return load_yaml_string(ss.str(), path);
}

std::map<std::string, std::string> read_header_directives(std::string_view text) {
  // Hydra reads only the first 512 characters for the header.
  std::u32string chars = decode_utf8_lossless(text);
  if (chars.size() > 512) chars.resize(512);
  const auto is_space = [](char32_t c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
  };
  const auto is_break = [](char32_t c) {
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) || c == 0x85 ||
           c == 0x2028 || c == 0x2029;
  };
  const auto strip = [&](std::u32string s) {
    size_t b = 0, e = s.size();
    while (b < e && is_space(s[b])) ++b;
    while (e > b && is_space(s[e - 1])) --e;
    return s.substr(b, e - b);
  };
  std::map<std::string, std::string> res;
  size_t i = 0;
  while (i < chars.size()) {
    // str.splitlines()
    size_t j = i;
    while (j < chars.size() && !is_break(chars[j])) ++j;
    std::u32string line = strip(chars.substr(i, j - i));
    i = j;
    if (i < chars.size()) i += (chars[i] == '\r' && i + 1 < chars.size() && chars[i + 1] == '\n') ? 2 : 1;
    if (line.empty()) continue;
    // re.match("^\s*#\s*@", line): the line is stripped, so '#', spaces, '@'.
    size_t k = 0;
    if (line[k] != '#') break;
    ++k;
    while (k < line.size() && is_space(line[k])) ++k;
    if (k >= line.size() || line[k] != '@') break;
    size_t h = 0;
    while (h < line.size() && line[h] == '#') ++h;
    const std::u32string body = strip(line.substr(h));
    std::vector<std::u32string> parts;
    size_t s = 0;
    for (size_t p = 0; p <= body.size(); ++p)
      if (p == body.size() || body[p] == ' ') {
        if (p > s) parts.push_back(body.substr(s, p - s));
        s = p + 1;
      }
    if (parts.size() < 2) throw Error("Expected header format: KEY VALUE, got '" + encode_utf8(body) + "'");
    if (parts.size() > 2) throw Error("Too many components in '" + encode_utf8(body) + "'");
    const std::u32string key = strip(parts[0]), val = strip(parts[1]);
    if (!key.empty() && key[0] == '@') res[encode_utf8(key.substr(1))] = encode_utf8(val);
  }
  return res;
}

}  // namespace ragforge::config
