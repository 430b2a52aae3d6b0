// Hydra 1.3's defaults-list algorithm (hydra/_internal/defaults_list.py):
// builds the defaults tree from the primary config and Hydra's own config,
// applies command-line group overrides and `override` entries, and flattens
// the tree into the ordered list of configs to merge.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config_repository.h"
#include "config/defaults_element.h"
#include "config/override.h"

namespace ragforge::config {

struct ResultDefault {
  std::string config_path;
  std::string package;
  std::optional<std::string> parent;  // nullopt for the root
  bool is_self = false;
  bool primary = false;
  std::optional<std::string> override_key;
};

struct DefaultsTreeNode {
  InputDefault node;
  bool is_virtual = false;  // the `<root>` holding hydra/config and the primary config
  std::optional<std::vector<std::unique_ptr<DefaultsTreeNode>>> children;
  DefaultsTreeNode* parent = nullptr;
};

// An ordered map of group override key -> chosen option (nullopt: `null`).
using Choices = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct DefaultsList {
  std::vector<ResultDefault> defaults;
  std::unique_ptr<DefaultsTreeNode> tree;
  std::vector<const Override*> config_overrides;  // value overrides, command-line order
  Choices known_choices;                          // hydra.runtime.choices
};

DefaultsList create_defaults_list(ConfigRepository& repo, const std::optional<std::string>& config_name,
                                  const std::vector<Override>& overrides, bool prepend_hydra,
                                  bool skip_missing);

// The `--info defaults-tree` rendering of one tree node.
std::string describe_tree_node(const DefaultsTreeNode& n);

}  // namespace ragforge::config
