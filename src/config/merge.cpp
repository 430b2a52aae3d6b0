#include "config/merge.h"

#include "config/hydra_errors.h"

namespace ragforge::config {

void merge_into(Node& dest, const Node& src) {
  if (dest.is_list() && src.is_list()) {
    dest = src;
    return;
  }
  if (!(dest.is_dict() && src.is_dict())) {
    if (dest.is_container() && src.is_container())
      throw HydraError("TypeError", "Cannot merge DictConfig with ListConfig");
    if (!src.is_missing() || dest.is_missing()) dest = src;
    return;
  }
  for (const DictEntry& e : src.entries()) {
    Node* d = dest.find(e.key.text);
    if (!d) {
      dest.set(e.key, e.value);
      continue;
    }
    if (d->is_container()) {
      if (e.value.is_container()) merge_into(*d, e.value);
      else if (!e.value.is_missing()) *d = e.value;
    } else if (e.value.is_dict() && (d->is_null() || d->is_missing())) {
      *d = e.value;  // a null/??? dict slot expands into the merged dict
    } else if (e.value.is_container() || !e.value.is_missing()) {
      std::string origin = e.value.origin;
      *d = e.value;
      d->origin = origin;
    }
  }
  if (src.struct_flag) dest.struct_flag = src.struct_flag;
}

Node embed_at_package(Node cfg, const std::string& package) {
  if (package.empty()) return cfg;
  auto parts = split_dotted(package);
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    Node wrapper = Node::dict();
    wrapper.set(*it, std::move(cfg));
    cfg = std::move(wrapper);
  }
  return cfg;
}

}  // namespace ragforge::config
