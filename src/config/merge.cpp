#include "config/merge.h"

#include <type_traits>
#include <utility>

#include "config/hydra_errors.h"

namespace ragforge::config {

namespace {

// One body for both merges: Move takes src's values apart instead of
// copying them (compose merges each loaded config once, then drops it).
template <bool Move>
using Source = std::conditional_t<Move, Node&, const Node&>;

template <bool Move>
Node take(Source<Move> v) {
  if constexpr (Move) return std::move(v);
  else return v;
}

template <bool Move>
void merge(Node& dest, Source<Move> src) {
  if (dest.is_list() && src.is_list()) {
    dest = take<Move>(src);
    return;
  }
  if (!(dest.is_dict() && src.is_dict())) {
    if (dest.is_container() && src.is_container())
      throw HydraError("TypeError", "Cannot merge DictConfig with ListConfig");
    if (!src.is_missing() || dest.is_missing()) dest = take<Move>(src);
    return;
  }
  for (auto& e : src.entries()) {
    Node* d = dest.find(e.key.text);
    if (!d) {
      dest.set(e.key, take<Move>(e.value));
      continue;
    }
    if (d->is_container()) {
      if (e.value.is_container()) merge<Move>(*d, e.value);
      else if (!e.value.is_missing()) *d = take<Move>(e.value);
    } else if (e.value.is_dict() && (d->is_null() || d->is_missing())) {
      *d = take<Move>(e.value);  // a null/??? dict slot expands into the merged dict
    } else if (e.value.is_container() || !e.value.is_missing()) {
      *d = take<Move>(e.value);
    }
  }
  if (src.struct_flag) dest.struct_flag = src.struct_flag;
}

}  // namespace

void merge_into(Node& dest, const Node& src) { merge<false>(dest, src); }
void merge_into(Node& dest, Node&& src) { merge<true>(dest, src); }

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
