#include "config/builtins/precompiled_tree.h"

#include <charconv>

namespace ragforge::config {

namespace {

const PrecompiledConfig* registered_configs = nullptr;
std::size_t registered_count = 0;

class TreeBuilder {
 public:
  explicit TreeBuilder(const PrecompiledConfig& config) : config_(config), file_(config.file) {}

  Node next() {
    const PrecompiledNode& p = config_.nodes[at_++];
    Node n = scalar_or_empty(p);
    n.origin = origin(p.line);
    for (std::uint32_t i = 0; i < p.children; ++i) {
      const PrecompiledNode& child = config_.nodes[at_];
      if (n.is_list()) {
        n.items().push_back(next());
      } else {
        Key key(child.key);
        key.type = child.key_type;
        n.entries().push_back(DictEntry{std::move(key), next()});
      }
    }
    return n;
  }

 private:
  static Node scalar_or_empty(const PrecompiledNode& p) {
    switch (p.type) {
      case Node::Type::Null: return Node::null();
      case Node::Type::Bool: return Node::boolean(p.int_value != 0);
      case Node::Type::Int: return Node::integer(p.int_value);
      case Node::Type::Float: return Node::floating(p.float_value);
      case Node::Type::String: return Node::string(p.text);
      case Node::Type::List: return Node::list();
      case Node::Type::Dict: break;
    }
    return Node::dict();
  }

  std::string origin(std::uint32_t line) const {
    char digits[16];
    const char* end = std::to_chars(digits, digits + sizeof digits, line).ptr;
    std::string out;
    out.reserve(file_.size() + 1 + static_cast<size_t>(end - digits));
    out.append(file_).append(1, ':').append(digits, static_cast<size_t>(end - digits));
    return out;
  }

  const PrecompiledConfig& config_;
  const std::string file_;
  std::size_t at_ = 0;
};

}  // namespace

void register_precompiled_hydra_builtins(const PrecompiledConfig* configs, std::size_t count) {
  registered_configs = configs;
  registered_count = count;
}

const PrecompiledConfig* find_precompiled_hydra_builtin(const std::string& config_path) {
  for (std::size_t i = 0; i < registered_count; ++i)
    if (config_path == registered_configs[i].config_path) return &registered_configs[i];
  return nullptr;
}

Node build_precompiled_tree(const PrecompiledConfig& config) { return TreeBuilder(config).next(); }

}  // namespace ragforge::config
