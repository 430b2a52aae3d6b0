// Errors with Hydra's exception types, so the app runner prints them the way
// Hydra does: a "compact" error (ConfigCompositionException,
// MissingConfigException) prints its message plus the OmegaConf error that
// caused it; anything else is reported with its type name.
//
// Hydra's text stays byte-exact (users search for it). What ragforge adds is
// kept apart as notes, printed after it, one line each: where the error came
// from ("  in defaults of /abs/train.yaml (entry 'model: llama9')") and typo
// hints ("  Did you mean 'llama_tiny'?").
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "config/config_view.h"  // closest_match
#include "core/error.h"

namespace ragforge::config {

class HydraError : public Error {
 public:
  HydraError(std::string type, const std::string& message, std::string cause_type = "",
             std::string cause_message = "")
      : Error(message),
        type_(std::move(type)),
        cause_type_(std::move(cause_type)),
        cause_message_(std::move(cause_message)) {}

  const std::string& type() const { return type_; }  // e.g. "ConfigCompositionException"
  const std::string& cause_type() const { return cause_type_; }
  const std::string& cause_message() const { return cause_message_; }
  bool compact() const { return type_ == "ConfigCompositionException" || type_ == "MissingConfigException"; }

  // Context lines, then hints; each starts with two spaces.
  std::vector<std::string> notes() const {
    std::vector<std::string> all = context_;
    all.insert(all.end(), hints_.begin(), hints_.end());
    return all;
  }
  bool located() const { return !context_.empty(); }
  // The innermost caller that knows where the error came from wins: later
  // calls (outer frames) leave an existing context alone.
  HydraError& locate(std::vector<std::string> lines) {
    if (context_.empty()) context_ = std::move(lines);
    return *this;
  }
  HydraError& add_hint(std::string line) {
    hints_.push_back(std::move(line));
    return *this;
  }

 private:
  std::string type_, cause_type_, cause_message_;
  std::vector<std::string> context_, hints_;
};

inline HydraError composition_error(const std::string& message, std::string cause_type = "",
                                    std::string cause_message = "") {
  return HydraError("ConfigCompositionException", message, std::move(cause_type), std::move(cause_message));
}

// Adds "  Did you mean 'x'?" when a candidate is a plausible typo of `word`.
inline void hint_closest(HydraError& e, const std::string& word, const std::vector<std::string>& candidates) {
  if (auto m = closest_match(word, candidates); m && *m != word) e.add_hint("  Did you mean '" + *m + "'?");
}

}  // namespace ragforge::config
