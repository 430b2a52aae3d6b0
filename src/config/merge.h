// OmegaConf's merge (OmegaConf.merge / DictConfig.merge_with): dicts merge key
// by key keeping first-insertion order, lists and scalars are replaced, and a
// `???` in the source never erases a value already in the destination.
#pragma once
#include "config/node.h"

namespace ragforge::config {

void merge_into(Node& dest, const Node& src);
void merge_into(Node& dest, Node&& src);  // leaves src in a valid, unspecified state

// Places `cfg` at a dotted package path ("a.b" -> {a: {b: cfg}}); "" keeps it.
Node embed_at_package(Node cfg, const std::string& package);

}  // namespace ragforge::config
