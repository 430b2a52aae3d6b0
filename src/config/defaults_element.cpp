#include "config/defaults_element.h"

#include "core/error.h"

namespace ragforge::config {

InputDefault InputDefault::config_default(std::string path, std::optional<std::string> package) {
  InputDefault d;
  d.kind = Kind::Config;
  d.path = std::move(path);
  if (package && *package == "_here_") package = "";
  d.package = std::move(package);
  return d;
}

InputDefault InputDefault::group_default(std::string group, std::optional<std::string> value,
                                         std::optional<std::string> package) {
  InputDefault d;
  d.kind = Kind::Group;
  d.group = std::move(group);
  d.value = std::move(value);
  if (package && *package == "_here_") package = "";
  d.package = std::move(package);
  return d;
}

std::string InputDefault::dotted(std::string path) {
  for (auto& c : path)
    if (c == '/') c = '.';
  return path;
}

bool InputDefault::is_self() const {
  if (kind == Kind::Config) return path == "_self_";
  return !value_is_list && value && *value == "_self_";
}

bool InputDefault::is_missing() const {
  auto n = name();
  return n && *n == "???";
}

bool InputDefault::is_interpolation() const {
  if (kind == Kind::Group && (value_is_list || !value)) return false;
  const std::string& s = kind == Kind::Config ? path : *value;
  return s.find("${") != std::string::npos;
}

void InputDefault::update_parent(const std::string& base_dir, const std::string& parent_pkg) {
  parent_base_dir = base_dir;
  parent_package = parent_pkg;
  if (package && package->find("_group_") != std::string::npos) {
    std::string pkg = *package;
    const std::string dflt = default_package();
    for (size_t i = pkg.find("_group_"); i != std::string::npos; i = pkg.find("_group_", i + dflt.size()))
      pkg.replace(i, 7, dflt);
    package = "_global_." + pkg;
  }
}

// A package header is always absolute (Hydra >= 1.1): `# @package foo` means
// `_global_.foo`. With version_base >= 1.2, `_group_` is an ordinary name.
void InputDefault::set_package_header(const std::optional<std::string>& header) {
  if (!header) return;
  std::string h = *header;
  if (h != "_global_" && h.rfind("_global_.", 0) != 0) h = h.empty() ? "_global_" : "_global_." + h;
  package_header = h;
}

std::string InputDefault::group_path() const {
  const std::string base = parent_base_dir.value_or("");
  if (kind == Kind::Config) {
    bool absolute = !path.empty() && path[0] == '/';
    std::string p = absolute ? path.substr(1) : path;
    auto idx = p.rfind('/');
    std::string group = idx == std::string::npos ? "" : p.substr(0, idx);
    if (absolute || base.empty()) return group;
    return group.empty() ? base : base + "/" + group;
  }
  bool absolute = !group.empty() && group[0] == '/';
  std::string g = absolute ? group.substr(1) : group;
  if (base.empty() || absolute || external_append) return g;
  return base + "/" + g;
}

std::optional<std::string> InputDefault::name() const {
  if (kind == Kind::Config) {
    auto idx = path.rfind('/');
    return idx == std::string::npos ? path : path.substr(idx + 1);
  }
  if (value_is_list) return std::nullopt;
  return value;
}

std::string InputDefault::config_path() const {
  if (kind == Kind::Config) {
    bool absolute = !path.empty() && path[0] == '/';
    std::string p = absolute ? path.substr(1) : path;
    const std::string base = parent_base_dir.value_or("");
    if (absolute || base.empty()) return p;
    return base + "/" + p;
  }
  return group_path() + "/" + name().value_or("null");
}

std::string InputDefault::relative_group_path() const {
  if (kind == Kind::Config) {
    std::string p = !path.empty() && path[0] == '/' ? path.substr(1) : path;
    auto idx = p.rfind('/');
    return idx == std::string::npos ? "" : p.substr(0, idx);
  }
  return !group.empty() && group[0] == '/' ? group.substr(1) : group;
}

std::optional<std::string> InputDefault::effective_package(bool default_to_header) const {
  if (!package && default_to_header) return package_header;
  return package;
}

std::string InputDefault::final_package(bool default_to_header) const {
  std::string parent = (kind == Kind::Group && external_append) ? "" : parent_package.value_or("");
  auto pkg = effective_package(default_to_header);
  std::string p = pkg ? *pkg : dotted(relative_group_path());
  std::string ret = parent.empty() ? p : (p.empty() ? parent : parent + "." + p);
  auto g = ret.rfind("_global_");
  if (g == std::string::npos) return ret;
  size_t start = g + 8 + 1;
  return start >= ret.size() ? "" : ret.substr(start);
}

std::string InputDefault::override_key() const {
  std::string dflt = default_package();
  std::string fin = final_package(false);
  std::string key = group_path();
  if (dflt != fin) key += "@" + (fin.empty() ? std::string("_global_") : fin);
  return key;
}

std::string InputDefault::relative_override_key() const {
  std::string key = group;
  auto pkg = effective_package(true);
  if (package && default_package() != pkg.value_or("")) key += "@" + *package;
  return key;
}

}  // namespace ragforge::config
