#include "config/config_view.h"

#include <algorithm>

#include "config/python_str.h"
#include "core/error.h"

namespace ragforge::config {

ConfigView::ConfigView(const Node& resolved, const Node& raw, std::string path)
    : resolved_(&resolved), raw_(&raw), path_(std::move(path)) {}
ConfigView::ConfigView(const Node& resolved, std::string path)
    : resolved_(&resolved), raw_(&resolved), path_(std::move(path)) {}

std::string ConfigView::full_key(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

const Node* ConfigView::raw_at(const std::string& key) const { return raw_ ? raw_->at_path(key) : nullptr; }

std::string ConfigView::origin_suffix(const std::string& key) const {
  const Node* raw = raw_at(key);
  const Node* res = resolved_->at_path(key);
  std::string origin = raw && !raw->origin.empty() ? raw->origin : (res ? res->origin : "");
  return origin.empty() ? "" : " (" + origin + ")";
}

bool ConfigView::has(const std::string& key) const {
  const Node* n = resolved_->at_path(key);
  return n && !n->is_null();
}

const Node& ConfigView::node(const std::string& key) const {
  const Node* n = resolved_->at_path(key);
  if (!n) {
    std::string msg = full_key(key) + ": missing; add it to the config or on the command line (+" + full_key(key) + "=...)";
    throw Error(msg);
  }
  if (n->is_missing())
    throw Error(full_key(key) + ": mandatory value is not set ('\?\?\?')" + origin_suffix(key) +
                "; set it on the command line: " + full_key(key) + "=...");
  return *n;
}

ConfigView ConfigView::child(const std::string& key) const {
  const Node& n = node(key);
  if (!n.is_dict()) wrong_type(key, "a mapping");
  const Node* raw = raw_at(key);
  return ConfigView(n, raw ? *raw : n, full_key(key));
}

void ConfigView::wrong_type(const std::string& key, const char* wanted) const {
  const Node* n = resolved_->at_path(key);
  std::string got = n ? (n->is_string() ? python_repr(*n) : std::string(n->type_name()) + " " + python_str(*n)) : "nothing";
  throw Error(full_key(key) + ": expected " + wanted + ", got " + got + origin_suffix(key));
}

double ConfigView::get_float(const std::string& key) const {
  const Node& n = node(key);
  if (n.is_float() || n.is_int()) return n.as_float();
  wrong_type(key, "a float");
}

int64_t ConfigView::get_int(const std::string& key) const {
  const Node& n = node(key);
  if (n.is_int()) return n.as_int();
  wrong_type(key, "an int");
}

bool ConfigView::get_bool(const std::string& key) const {
  const Node& n = node(key);
  if (n.is_bool()) return n.as_bool();
  wrong_type(key, "a bool (true/false)");
}

std::string ConfigView::get_string(const std::string& key) const {
  const Node& n = node(key);
  if (n.is_string()) return n.as_string();
  wrong_type(key, "a string");
}

std::vector<std::string> ConfigView::get_string_list(const std::string& key) const {
  const Node& n = node(key);
  if (n.is_string()) return {n.as_string()};
  if (!n.is_list()) wrong_type(key, "a list of strings");
  std::vector<std::string> out;
  for (const Node& item : n.items()) {
    if (!item.is_string()) wrong_type(key, "a list of strings");
    out.push_back(item.as_string());
  }
  return out;
}

double ConfigView::get_float(const std::string& key, double fallback) const { return has(key) ? get_float(key) : fallback; }
int64_t ConfigView::get_int(const std::string& key, int64_t fallback) const { return has(key) ? get_int(key) : fallback; }
bool ConfigView::get_bool(const std::string& key, bool fallback) const { return has(key) ? get_bool(key) : fallback; }
std::string ConfigView::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}
std::optional<std::string> ConfigView::get_optional_string(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_string(key);
}

void ConfigView::require_known_keys(const std::set<std::string>& known) const {
  if (!resolved_->is_dict()) return;
  std::vector<std::string> candidates(known.begin(), known.end());
  for (const DictEntry& e : resolved_->entries()) {
    if (known.count(e.key.text)) continue;
    std::string msg = full_key(e.key.text) + ": unknown key" + origin_suffix(e.key.text);
    if (auto m = closest_match(e.key.text, candidates)) msg += "; did you mean '" + *m + "'?";
    else {
      msg += "; known keys:";
      for (const auto& k : candidates) msg += " " + k;
    }
    throw Error(msg);
  }
}

std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  // Edit distance where swapping two neighbours counts as one typo
  // (`modle` -> `model`), as in optimal string alignment.
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], before[j - 2] + 1);
      }
      std::swap(before, prev);
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::optional<std::string> best;
  size_t best_d = std::max<size_t>(1, word.size() / 3) + 1;  // allow ~1 typo per 3 characters
  for (const auto& c : candidates) {
    size_t d = distance(word, c);
    if (d >= word.size()) continue;  // nothing kept: `z` is no typo of `b`
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace ragforge::config
