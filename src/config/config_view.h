// Typed, provenance-aware reads of a composed config. Recipes read settings
// through a ConfigView, so a wrong type or an unknown key is reported with
// the key, the offending value and where it came from, e.g.
//   train.learning_rate: expected a float, got 'abc' (override 'train.learning_rate=abc')
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/node.h"

namespace ragforge::config {

class ConfigView {
 public:
  // `resolved` is the interpolation-free tree values are read from; `raw` is
  // the composed tree whose nodes remember their origin (file:line or
  // override). Both must outlive the view.
  ConfigView(const Node& resolved, const Node& raw, std::string path = "");
  // For trees without a separate raw copy (origins read from `resolved`).
  explicit ConfigView(const Node& resolved, std::string path = "");

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;  // present and not null
  ConfigView child(const std::string& key) const;  // must be a dict
  const Node& node(const std::string& key) const;  // must exist
  const Node& root() const { return *resolved_; }   // the viewed node itself
  const Node& raw_root() const { return *raw_; }    // the same before resolution

  double get_float(const std::string& key) const;  // ints widen, as in Python
  int64_t get_int(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::vector<std::string> get_string_list(const std::string& key) const;  // a string becomes [string]

  double get_float(const std::string& key, double fallback) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::optional<std::string> get_optional_string(const std::string& key) const;

  // Rejects keys outside `known`, naming the key, its origin and the closest
  // known key ("did you mean 'lr'?").
  void require_known_keys(const std::set<std::string>& known) const;

  // "train.learning_rate" for a key under this view.
  std::string full_key(const std::string& key) const;
  // " (configs/x.yaml:3)" or " (override 'a=1')", "" when unknown.
  std::string origin_suffix(const std::string& key) const;

 private:
  [[noreturn]] void wrong_type(const std::string& key, const char* wanted) const;
  const Node* raw_at(const std::string& key) const;

  const Node* resolved_;
  const Node* raw_;
  std::string path_;
};

// The closest candidate by edit distance, if it is close enough to be a
// plausible typo (used for "did you mean" hints).
std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace ragforge::config
