#include "config/yaml_load.h"

#include "config/python_int.h"

#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/python_repr.h"
#include "core/utf8.h"
#include "config/yaml_errors.h"
#include "config/yaml_scalar.h"
#include "config/yaml_strict.h"
#include "core/error.h"

// libyaml is the C implementation of the YAML 1.1 parser PyYAML is written
// after (PyYAML's CLoader uses it): same scanner rules, line breaks (NEL,
// LS, PS), implicit-tag flags and marks. Construction (typing, merges,
// duplicate keys) follows PyYAML's SafeConstructor and OmegaConf's loader.
namespace ragforge::config {

namespace {

// Deeper nesting than any real config; the limit keeps every recursive walk
// over a Node (copy, compare, emit, destroy) far from the stack's end.
constexpr size_t kMaxDepth = 512;

constexpr const char* kYamlTagPrefix = "tag:yaml.org,2002:";

// Scalar text quoted in an error message, cut to a readable length.
std::string clip(const std::string& v) {
  if (v.size() <= 80) return v;
  size_t cut = 77;
  while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return v.substr(0, cut) + "...";
}

YamlMark to_mark(const yaml_mark_t& m) { return YamlMark{m.line, m.column}; }

[[noreturn]] void fail_at(const std::string& source, const YamlMark& m, const std::string& problem,
                          const std::string& context = "", const YamlMark* context_mark = nullptr) {
  throw Error(yaml_error_text(source, context, context_mark, problem, &m));
}

// PyYAML reads files as UTF-8 and its Reader accepts only printable
// characters (its NON_PRINTABLE regex). Checked up front so the error can
// say where the bad byte is.
void check_text(std::string_view text, const std::string& source) {
  std::u32string chars;
  size_t bad_offset = 0;
  const bool valid = decode_utf8(text, chars, &bad_offset);
  if (!valid) {
    std::u32string before;
    decode_utf8(text.substr(0, bad_offset), before);
    chars = before;  // report the position of the bad byte
  }
  YamlMark mark;
  for (size_t i = 0; i <= chars.size(); ++i) {
    if (i == chars.size()) {
      if (valid) return;
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(text[bad_offset]));
      fail_at(source, mark, "'utf-8' codec can't decode byte " + std::string(hex) + ": invalid UTF-8");
    }
    const char32_t c = chars[i];
    const bool printable = c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
                           (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
                           (c >= 0x10000 && c <= 0x10FFFF);
    if (!printable) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "#x%04x", static_cast<unsigned>(c));
      fail_at(source, mark, "unacceptable character " + std::string(hex) + ": special characters are not allowed");
    }
    if (c == '\n' && i > 0 && chars[i - 1] == '\r') {
      // "\r\n" is one line break
    } else if (c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029) {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
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
  YamlMark mark;
};

struct Pair {
  PendingKey key;
  Node value;
  YamlMark value_mark;
  const char* value_kind = "scalar";  // PyYAML's node id, for merge errors
};

struct Frame {
  bool is_map = false;
  Node node;  // the list, or the mapping being filled
  YamlMark mark;
  std::string anchor;
  std::vector<Pair> pairs;  // mappings: collected in order
  bool have_key = false;
  PendingKey key;
};

// Python's dict treats 1, 1.0 and True as one key (and 0, 0.0, False):
// numeric keys share one identity per value. NaN equals nothing.
std::optional<std::string> python_key_identity(const PendingKey& k) {
  switch (k.key.type) {
    case Key::Type::String: return "s:" + k.key.text;
    case Key::Type::Bool: return std::string(k.key.text == "true" ? "i:1" : "i:0");
    case Key::Type::Int: return "i:" + k.key.text;
    case Key::Type::Float: {
      const double v = k.float_value;
      if (std::isnan(v)) return std::nullopt;
      if (v == std::trunc(v) && std::fabs(v) < 9.2e18) return "i:" + std::to_string(static_cast<int64_t>(v));
      return "f:" + python_float_repr(v);
    }
  }
  return std::nullopt;
}

// Aliases copy their anchored node; this many copied nodes in one document
// means an alias bomb ("billion laughs"), not a config.
constexpr size_t kMaxAliasNodes = 1000000;

std::string cstr(const yaml_char_t* p) { return p ? reinterpret_cast<const char*>(p) : ""; }

class Builder {
 public:
  explicit Builder(const std::string& source) : source_(source) {}

  bool has_root() const { return has_root_; }
  const YamlMark& root_mark() const { return root_mark_; }
  Node take_root() { return std::move(root_); }

  void event(const yaml_event_t& ev) {
    const YamlMark mark = to_mark(ev.start_mark);
    switch (ev.type) {
      case YAML_ALIAS_EVENT: alias(mark, cstr(ev.data.alias.anchor)); break;
      case YAML_SCALAR_EVENT: {
        const auto& sc = ev.data.scalar;
        scalar(mark, cstr(sc.anchor), sc.tag ? cstr(sc.tag) : "!", sc.tag != nullptr,
               std::string(reinterpret_cast<const char*>(sc.value), sc.length), sc.plain_implicit != 0);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
        start(false, mark, cstr(ev.data.sequence_start.anchor), cstr(ev.data.sequence_start.tag));
        break;
      case YAML_MAPPING_START_EVENT:
        start(true, mark, cstr(ev.data.mapping_start.anchor), cstr(ev.data.mapping_start.tag));
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: end(); break;
      default: break;
    }
  }

 private:
  struct Anchored {
    Node node;
    size_t depth = 0;
    size_t size = 1;  // nodes in the subtree
    PendingKey key;   // how the node reads as a mapping key
    YamlMark mark;
    const char* kind = "scalar";
  };

  std::string origin(const YamlMark& m) const {
    char line[24] = ":";
    const char* end = std::to_chars(line + 1, line + sizeof line, m.line + 1).ptr;
    std::string out;
    out.reserve(source_.size() + (end - line));
    out.append(source_).append(line, static_cast<size_t>(end - line));
    return out;
  }
  bool in_key_position() const { return !stack_.empty() && stack_.back().is_map && !stack_.back().have_key; }

  void check_new_anchor(const std::string& name, const YamlMark& mark) {
    if (name.empty()) return;
    auto it = anchor_marks_.find(name);
    if (it != anchor_marks_.end())
      fail_at(source_, mark, "second occurrence", "found duplicate anchor '" + name + "'; first occurrence",
              &it->second);
    anchor_marks_.emplace(name, mark);
  }

  void alias(const YamlMark& mark, const std::string& name) {
    auto it = anchors_.find(name);
    if (it == anchors_.end()) {
      if (anchor_marks_.count(name)) fail_at(source_, mark, "found recursive alias '" + name + "'");
      fail_at(source_, mark, "found undefined alias '" + name + "'");
    }
    if (stack_.size() + it->second.depth > kMaxDepth) fail_at(source_, mark, "nesting is too deep");
    alias_nodes_ += it->second.size;
    if (alias_nodes_ > kMaxAliasNodes)
      fail_at(source_, mark, "aliases expand to more than " + std::to_string(kMaxAliasNodes) + " nodes");
    // An alias is the anchored node itself: PyYAML reports its marks.
    add_value(it->second.node, it->second.mark, it->second.key, it->second.kind);
  }

  Node make_int(const std::string& value, const YamlMark& mark) {
    auto v = construct_yaml_int_decimal(value);
    if (!v) {
      size_t digits = 0;
      for (char c : value) digits += c >= '0' && c <= '9' ? 1 : 0;
      if (digits > kPythonIntMaxStrDigits)
        fail_at(source_, mark, "Exceeds the limit (4300 digits) for integer string conversion: value has " +
                                   std::to_string(digits) +
                                   " digits; use sys.set_int_max_str_digits() to increase the limit");
      fail_at(source_, mark, "invalid int '" + clip(value) + "'");
    }
    return Node::integer_from_decimal(std::move(*v));
  }
  Node make_float(const std::string& value, const YamlMark& mark) {
    const auto v = construct_yaml_float(value);
    if (!v) {
      // Python's message shows what construct_yaml_float hands float():
      // underscores dropped, lower-cased, sign removed (`-._` -> '.').
      std::string shown;
      for (char c : value)
        if (c != '_') shown += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      if (!shown.empty() && (shown[0] == '+' || shown[0] == '-')) shown.erase(0, 1);
      fail_at(source_, mark, "could not convert string to float: '" + clip(shown) + "'");
    }
    return Node::floating(*v);
  }
  [[noreturn]] void no_constructor(const std::string& tag, const YamlMark& mark) {
    fail_at(source_, mark, "could not determine a constructor for the tag '" + tag + "'");
  }

  // YAML's standard scalar tags, "tag:yaml.org,2002:<name>".
  static constexpr std::pair<std::string_view, YamlTag> kStandardTags[] = {
      {"str", YamlTag::Str},   {"int", YamlTag::Int},     {"float", YamlTag::Float}, {"bool", YamlTag::Bool},
      {"null", YamlTag::Null}, {"merge", YamlTag::Merge}, {"value", YamlTag::Value}, {"yaml", YamlTag::Yaml},
      {"timestamp", YamlTag::Timestamp}};

  static std::string full_tag(YamlTag t) {
    for (const auto& [name, tag] : kStandardTags)
      if (tag == t) return std::string(kYamlTagPrefix) + std::string(name);
    return "";
  }

  // The standard tag a scalar constructs as: an explicit `!!name`, or the
  // resolver's choice for an untagged (or `!`) plain scalar; Str otherwise.
  // nullopt for a tag outside the standard set.
  static std::optional<YamlTag> standard_tag(std::string_view tag, bool explicit_tag, std::string_view value,
                                             bool plain_implicit) {
    if (tag == "!" || !explicit_tag) {
      if (!plain_implicit) return YamlTag::Str;
      const YamlTag t = resolve_plain_scalar(value, YamlResolver::OmegaConfLoader);
      return t == YamlTag::Timestamp ? YamlTag::Str : t;  // OmegaConf drops the timestamp resolver
    }
    const std::string_view prefix = kYamlTagPrefix;
    if (tag.substr(0, prefix.size()) != prefix) return std::nullopt;
    for (const auto& [name, t] : kStandardTags)
      if (tag.substr(prefix.size()) == name) return t;
    return std::nullopt;
  }

  void scalar(const YamlMark& mark, const std::string& anchor, const std::string& tag, bool explicit_tag,
              const std::string& value, bool plain_implicit) {
    check_new_anchor(anchor, mark);
    Node n;
    PendingKey::Kind kind = PendingKey::Kind::Scalar;
    bool str_tagged = false;
    const std::optional<YamlTag> standard = standard_tag(tag, explicit_tag, value, plain_implicit);
    switch (standard.value_or(YamlTag::Timestamp)) {
      case YamlTag::Str:
        n = Node::string(value);
        str_tagged = true;
        break;
      case YamlTag::Int: n = make_int(value, mark); break;
      case YamlTag::Float: n = make_float(value, mark); break;
      case YamlTag::Bool: {
        const auto b = construct_yaml_bool(value);
        if (!b) fail_at(source_, mark, "invalid bool '" + clip(value) + "'");
        n = Node::boolean(*b);
        break;
      }
      case YamlTag::Null: kind = PendingKey::Kind::Null; break;
      case YamlTag::Merge:
        kind = PendingKey::Kind::Merge;
        n = Node::string(value);
        break;
      case YamlTag::Value:
        // flatten_mapping retags a `=` key as a string; elsewhere it has no
        // constructor.
        if (in_key_position()) {
          n = Node::string(value);
          break;
        }
        [[fallthrough]];
      case YamlTag::Yaml:
      case YamlTag::Timestamp:  // also stands for a tag outside the standard set
        no_constructor(standard ? full_tag(*standard) : tag, mark);
    }
    n.origin = origin(mark);

    PendingKey k;
    k.kind = kind;
    k.str_tagged = str_tagged;
    // Only a mapping key, or an anchored scalar that an alias may make one,
    // reads as a key.
    if (kind == PendingKey::Kind::Scalar && (in_key_position() || !anchor.empty())) {
      k.raw = value;
      switch (n.type()) {
        case Node::Type::String: k.key = Key(n.as_string()); break;
        case Node::Type::Int:
          k.key = Key(n.int_text());
          k.key.type = Key::Type::Int;
          break;
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
    }
    if (!anchor.empty()) remember(anchor, n, k, mark, "scalar");
    add_value(std::move(n), mark, std::move(k), "scalar");
  }

  void start(bool is_map, const YamlMark& mark, const std::string& anchor, const std::string& tag) {
    check_new_anchor(anchor, mark);
    const char* want = is_map ? "map" : "seq";
    if (!tag.empty() && tag != "!" && tag != std::string(kYamlTagPrefix) + want) no_constructor(tag, mark);
    if (stack_.size() >= kMaxDepth) fail_at(source_, mark, "nesting is too deep");
    Frame f;
    f.is_map = is_map;
    f.node = is_map ? Node::dict() : Node::list();
    f.node.origin = origin(mark);
    f.mark = mark;
    f.anchor = anchor;
    stack_.push_back(std::move(f));
  }

  void end() {
    if (stack_.empty()) return;
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.is_map) build_mapping(f);
    PendingKey as_key;
    as_key.kind = PendingKey::Kind::Container;
    const char* kind = f.is_map ? "mapping" : "sequence";
    if (!f.anchor.empty()) remember(f.anchor, f.node, as_key, f.mark, kind);
    add_value(std::move(f.node), f.mark, std::move(as_key), kind);
  }

  void remember(const std::string& anchor, const Node& n, const PendingKey& as_key, const YamlMark& mark,
                const char* kind) {
    Anchored a;
    a.node = n;
    a.key = as_key;
    a.depth = node_depth(n, &a.size);
    a.mark = mark;
    a.kind = kind;
    anchors_[anchor] = std::move(a);
  }

  // Depth of the subtree; adds its node count to *count.
  static size_t node_depth(const Node& n, size_t* count) {
    if (!n.is_container()) return 0;
    size_t d = 0;
    if (n.is_list()) {
      *count += n.items().size();
      for (const auto& c : n.items()) d = std::max(d, node_depth(c, count));
    } else {
      *count += n.entries().size();
      for (const auto& e : n.entries()) d = std::max(d, node_depth(e.value, count));
    }
    return d + 1;
  }

  // Hands a finished node to its parent (or makes it the root).
  void add_value(Node n, const YamlMark& mark, PendingKey as_key, const char* kind) {
    if (stack_.empty()) {
      root_ = std::move(n);
      root_mark_ = mark;
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
    parent.pairs.push_back(Pair{std::move(parent.key), std::move(n), mark, kind});
    parent.have_key = false;
  }

  // OmegaConf's duplicate check, then PyYAML's merge-key flattening and
  // dict construction (later values win, a key keeps its first position).
  void build_mapping(Frame& f) {
    if (build_small_str_mapping(f)) return;
    std::unordered_set<std::string> seen;
    for (const auto& p : f.pairs) {
      if (p.key.kind != PendingKey::Kind::Scalar || !p.key.str_tagged) continue;
      if (!seen.insert(p.key.raw).second)
        fail_at(source_, p.key.mark, "found duplicate key " + p.key.raw, "while constructing a mapping", &f.mark);
    }
    std::vector<Pair> merged;
    std::vector<Pair> own;
    for (auto& p : f.pairs) {
      if (p.key.kind != PendingKey::Kind::Merge) {
        own.push_back(std::move(p));
        continue;
      }
      if (p.value.is_dict()) {
        append_entries(p.value, p.value_mark, &merged);
      } else if (p.value.is_list()) {
        for (const auto& sub : p.value.items())
          if (!sub.is_dict())
            fail_at(source_, p.value_mark,
                    std::string("expected a mapping for merging, but found ") + (sub.is_list() ? "sequence" : "scalar"),
                    "while constructing a mapping", &f.mark);
        // Later mappings are merged first, so earlier ones win.
        const auto& subs = p.value.items();
        for (auto it = subs.rbegin(); it != subs.rend(); ++it) append_entries(*it, p.value_mark, &merged);
      } else {
        fail_at(source_, p.value_mark,
                std::string("expected a mapping or list of mappings for merging, but found ") + p.value_kind,
                "while constructing a mapping", &f.mark);
      }
    }
    for (auto& p : own) merged.push_back(std::move(p));
    std::unordered_map<std::string, size_t> index;  // key identity -> entry
    auto& entries = f.node.entries();
    for (auto& p : merged) {
      if (p.key.kind == PendingKey::Kind::Container)
        fail_at(source_, p.key.mark, "found unhashable key", "while constructing a mapping", &f.mark);
      if (p.key.kind == PendingKey::Kind::Null)
        fail_at(source_, p.key.mark, "Incompatible key type 'NoneType': a config key cannot be null");
      const auto id = python_key_identity(p.key);
      const auto it = id ? index.find(*id) : index.end();
      if (it != index.end()) {
        entries[it->second].value = std::move(p.value);
      } else {
        if (id) index.emplace(*id, entries.size());
        entries.push_back(DictEntry{p.key.key, std::move(p.value)});
      }
    }
  }

  // The common case without hashing: a few string keys and no merge key.
  // A str key's identity is its text, so once no text repeats, every pair
  // becomes an entry in order.
  bool build_small_str_mapping(Frame& f) {
    constexpr size_t kSmall = 32;
    if (f.pairs.size() > kSmall) return false;
    for (const auto& p : f.pairs)
      if (p.key.kind != PendingKey::Kind::Scalar || !p.key.str_tagged || p.key.key.type != Key::Type::String)
        return false;
    for (size_t i = 0; i < f.pairs.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (f.pairs[j].key.raw == f.pairs[i].key.raw)
          fail_at(source_, f.pairs[i].key.mark, "found duplicate key " + f.pairs[i].key.raw,
                  "while constructing a mapping", &f.mark);
    auto& entries = f.node.entries();
    entries.reserve(f.pairs.size());
    for (auto& p : f.pairs) entries.push_back(DictEntry{std::move(p.key.key), std::move(p.value)});
    return true;
  }

  static void append_entries(const Node& dict, const YamlMark& mark, std::vector<Pair>* out) {
    for (const auto& e : dict.entries()) {
      Pair p;
      p.key.key = e.key;
      p.key.mark = mark;
      if (e.key.type == Key::Type::Float) p.key.float_value = python_float(e.key.text).value_or(0.0);
      p.value = e.value;
      p.value_mark = mark;
      out->push_back(std::move(p));
    }
  }

  const std::string& source_;
  std::vector<Frame> stack_;
  std::unordered_map<std::string, Anchored> anchors_;
  std::unordered_map<std::string, YamlMark> anchor_marks_;
  size_t alias_nodes_ = 0;
  Node root_;
  YamlMark root_mark_;
  bool has_root_ = false;
};

// Owns a libyaml parser and pulls events from it, turning its errors into
// ragforge::Error in PyYAML's words.
class EventSource {
 public:
  // Where libyaml reported a syntax error, once next() has thrown one.
  const std::optional<YamlMark>& syntax_error_mark() const { return error_mark_; }

  EventSource(std::string_view text, const std::string& source) : text_(text), source_(source) {
    if (!yaml_parser_initialize(&parser_)) throw Error("out of memory while parsing " + source);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    yaml_parser_set_encoding(&parser_, YAML_UTF8_ENCODING);
  }
  ~EventSource() {
    if (live_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  EventSource(const EventSource&) = delete;
  EventSource& operator=(const EventSource&) = delete;

  const yaml_event_t& next() {
    if (live_) yaml_event_delete(&event_);
    live_ = false;
    if (!yaml_parser_parse(&parser_, &event_)) fail();
    live_ = true;
    note_flow_question();
    return event_;
  }

  // Whether a plain scalar inside a flow collection held a '?': the one
  // case, besides tabs, that find_pyyaml_rejection() looks for.
  bool saw_question_in_flow() const { return question_in_flow_; }

 private:
  [[noreturn]] void fail() {
    if (parser_.error == YAML_MEMORY_ERROR) throw Error("out of memory while parsing " + source_);
    std::string context = parser_.context ? parser_.context : "";
    std::string problem = parser_.problem ? parser_.problem : "invalid YAML";
    const YamlMark context_mark = to_mark(parser_.context_mark);
    YamlMark problem_mark = to_mark(parser_.problem_mark);
    if (parser_.error == YAML_READER_ERROR) {
      // check_text() catches these first; keep libyaml's byte offset.
      throw Error(problem + "\n  in \"" + source_ + "\", position " + std::to_string(parser_.problem_offset));
    }
    error_mark_ = problem_mark;
    pyyaml_wording(text_, &context, context_mark, &problem, &problem_mark);
    throw Error(yaml_error_text(source_, context, parser_.context ? &context_mark : nullptr, problem, &problem_mark));
  }

  void note_flow_question() {
    switch (event_.type) {
      case YAML_SEQUENCE_START_EVENT:
        flows_.push_back(event_.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
        break;
      case YAML_MAPPING_START_EVENT:
        flows_.push_back(event_.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE);
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        if (!flows_.empty()) flows_.pop_back();
        break;
      case YAML_SCALAR_EVENT: {
        const auto& sc = event_.data.scalar;
        if (sc.style == YAML_PLAIN_SCALAR_STYLE && !flows_.empty() && flows_.back() &&
            std::memchr(sc.value, '?', sc.length))
          question_in_flow_ = true;
        break;
      }
      default: break;
    }
  }

  std::string_view text_;
  const std::string& source_;
  std::vector<bool> flows_;  // open collections: flow style?
  bool question_in_flow_ = false;
  yaml_parser_t parser_{};
  yaml_event_t event_{};
  bool live_ = false;
  std::optional<YamlMark> error_mark_;
};

bool before(const YamlMark& a, const YamlMark& b) { return a.line < b.line || (a.line == b.line && a.column < b.column); }

Node parse_document(EventSource& events, const std::string& source_name) {
  Builder builder(source_name);
  events.next();  // STREAM-START
  if (events.next().type == YAML_STREAM_END_EVENT) {
    Node empty = Node::dict();
    empty.origin = source_name + ":1";
    return empty;
  }
  // DOCUMENT-START is current: build the one document.
  for (;;) {
    const yaml_event_t& ev = events.next();
    if (ev.type == YAML_DOCUMENT_END_EVENT) break;
    builder.event(ev);
  }
  // PyYAML's get_single_node: anything but the stream's end is a second
  // document, reported before it is parsed any further.
  const yaml_event_t& after = events.next();
  if (after.type != YAML_STREAM_END_EVENT) {
    const YamlMark first = builder.root_mark();
    fail_at(source_name, to_mark(after.start_mark), "but found another document",
            "expected a single document in the stream", &first);
  }
  Node root = builder.take_root();
  if (root.is_null()) {
    Node empty = Node::dict();
    empty.origin = root.origin;
    return empty;
  }
  return root;
}

}  // namespace

// PyYAML skips directives other than %YAML and %TAG (to the end of their
// line); libyaml rejects them. Blanks them out, keeping every mark in place.
std::string without_unknown_directives(std::string_view text) {
  std::string out(text);
  size_t line_start = 0;
  while (line_start < out.size()) {
    size_t line_end = out.find('\n', line_start);
    if (line_end == std::string::npos) line_end = out.size();
    const std::string_view line(out.data() + line_start, line_end - line_start);
    if (!line.empty() && line[0] == '%') {
      size_t n = 1;
      while (n < line.size() && (std::isalnum(static_cast<unsigned char>(line[n])) || line[n] == '-' || line[n] == '_'))
        ++n;
      const std::string_view name = line.substr(1, n - 1);
      const bool ends_name = n == line.size() || line[n] == ' ' || line[n] == '\r';
      if (!name.empty() && ends_name && name != "YAML" && name != "TAG") out[line_start] = '#';
    } else if (line.rfind("---", 0) == 0) {
      break;  // directives only come before the first document
    } else if (!line.empty() && line[0] != '#' && line.find_first_not_of(" \r") != std::string_view::npos) {
      break;
    }
    line_start = line_end + 1;
  }
  return out;
}

Node load_yaml_string(std::string_view raw_text, const std::string& source_name) {
  check_text(raw_text, source_name);
  const std::string cleaned = raw_text.find('%') == std::string_view::npos ? std::string()
                                                                             : without_unknown_directives(raw_text);
  const std::string_view text = cleaned.empty() ? raw_text : std::string_view(cleaned);
  // PyYAML rejects some input libyaml accepts (find_pyyaml_rejection). That
  // check rescans the text, so it runs only where it can find something:
  // after a syntax error, or where the text has a tab or a flow plain scalar
  // with a '?'.
  const auto strict_error = [&](const YamlRejection& strict) {
    return Error(yaml_error_text(source_name, strict.context, strict.context_mark ? &*strict.context_mark : nullptr,
                                 strict.problem, &strict.mark));
  };
  EventSource events(text, source_name);
  Node root;
  try {
    root = parse_document(events, source_name);
  } catch (const Error&) {
    // PyYAML stops there unless its parser failed earlier in the text;
    // construction errors (duplicate keys, ...) come after all scanning.
    const std::optional<YamlRejection> strict = find_pyyaml_rejection(text);
    const auto& syntax = events.syntax_error_mark();
    if (strict && !(syntax && before(*syntax, strict->mark))) throw strict_error(*strict);
    throw;
  }
  if (events.saw_question_in_flow() || text.find('\t') != std::string_view::npos)
    if (const std::optional<YamlRejection> strict = find_pyyaml_rejection(text)) throw strict_error(*strict);
  return root;
}

Node load_yaml_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error("Cannot read config file '" + path + "': it is a directory");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("Cannot read config file '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw Error("Cannot read config file '" + path + "': read error");
  return load_yaml_string(ss.str(), path);
}

}  // namespace ragforge::config
