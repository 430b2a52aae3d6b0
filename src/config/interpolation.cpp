#include "config/interpolation.h"

#include "config/interpolation_grammar.h"
#include "config/resolve_session.h"

namespace ragforge::config {

bool is_interpolation_string(const std::string& s) { return s.find("${") != std::string::npos; }

void validate_interpolation_syntax(const std::string& s) {
  if (is_interpolation_string(s)) grammar::parse_config_value(s);
}

Node resolve_value(const Node& root, const std::string& path, const ResolveOptions& options) {
  detail::Session session(root, options);
  if (path.empty()) return root.is_container() ? session.to_container(session.root_place()) : root;
  if (!root.is_container()) throw InterpolationError("ConfigKeyError", "Key not found: '" + path + "'");
  detail::Session::Selected sel;
  try {
    sel = session.select(session.root_place(), path, /*throw_on_missing=*/false);
  } catch (const InterpolationError& e) {
    // OmegaConf.select formats errors against the root and the selected key.
    if (e.has_context()) throw;
    throw e.with_context(path, root.is_list() ? "list" : "dict");
  }
  if (!sel.found) throw InterpolationError("ConfigKeyError", "Key not found: '" + path + "'");
  return session.materialize(sel.value, 0);
}

Node resolve_all(const Node& root, const ResolveOptions& options) {
  if (!root.is_container()) return root;
  detail::Session session(root, options);
  return session.to_container(session.root_place());
}

}  // namespace ragforge::config
