// Hydra's default elements: one entry of a `defaults:` list, as Hydra 1.3
// models it (hydra/core/default_element.py). A ConfigDefault names a config
// by path (`- db/mysql`, `- _self_`); a GroupDefault chooses an option of a
// group (`- db: mysql`, `- optional db@pkg: x`, `- override db: y`).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace ragforge::config {

struct InputDefault {
  enum class Kind { Config, Group };
  Kind kind = Kind::Config;

  // ConfigDefault
  std::string path;
  // GroupDefault
  std::string group;
  bool value_is_list = false;
  std::optional<std::string> value;  // nullopt: `group: null`
  std::vector<std::string> options;  // when value_is_list
  bool override_ = false;
  bool external_append = false;  // added with +group=x on the command line

  std::optional<std::string> package;  // `@package` of the entry
  bool optional = false;
  bool primary = false;
  bool deleted = false;

  std::optional<std::string> parent_base_dir;
  std::optional<std::string> parent_package;
  std::optional<std::string> package_header;  // absolute: `_global_...`

  static InputDefault config_default(std::string path, std::optional<std::string> package = {});
  static InputDefault group_default(std::string group, std::optional<std::string> value,
                                    std::optional<std::string> package = {});

  bool is_self() const;
  bool is_options() const { return kind == Kind::Group && value_is_list; }
  bool is_missing() const;        // `???`
  bool is_interpolation() const;  // the name holds `${...}`

  void update_parent(const std::string& base_dir, const std::string& parent_pkg);
  void set_package_header(const std::optional<std::string>& header);

  std::string group_path() const;
  std::string config_path() const;
  std::optional<std::string> name() const;  // nullopt for `group: null`
  std::string default_package() const { return dotted(group_path()); }
  std::optional<std::string> effective_package(bool default_to_header = true) const;
  std::string final_package(bool default_to_header = true) const;
  std::string override_key() const;
  std::string relative_override_key() const;

  static std::string dotted(std::string path);

 private:
  std::string relative_group_path() const;
};

}  // namespace ragforge::config
