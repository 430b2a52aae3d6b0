// Errors raised while parsing or resolving OmegaConf interpolations.
//
// OmegaConf reports these as a family of Python exception types
// (InterpolationKeyError, InterpolationToMissingValueError, ...). Hydra users
// see the type name and the message, followed by "full_key:" / "object_type="
// detail lines once the error has been tied to a config node. We keep all of
// that: type_name() is OmegaConf's class name and what() is the exact text
// OmegaConf prints.
#pragma once
#include <string>

#include "core/error.h"

namespace ragforge::config {

class InterpolationError : public ragforge::Error {
 public:
  // `type` is OmegaConf's (or Python's) exception class name, `message` the
  // text without detail lines.
  InterpolationError(std::string type, std::string message);

  const std::string& type_name() const { return type_; }
  const std::string& message() const { return message_; }

  // Whether OmegaConf counts this type as an InterpolationResolutionError
  // (those pass through resolution unchanged; others get wrapped in
  // "X raised while resolving interpolation: ...").
  bool is_resolution_error() const;

  // Detail lines, set once the error is tied to a node (format_and_raise).
  bool has_context() const { return has_context_; }
  const std::string& full_key() const { return full_key_; }
  const std::string& object_type() const { return object_type_; }
  // Returns a copy carrying "\n    full_key: K\n    object_type=T".
  InterpolationError with_context(const std::string& full_key, const std::string& object_type) const;

 private:
  std::string type_;
  std::string message_;
  bool has_context_ = false;
  std::string full_key_;
  std::string object_type_;
};

// The grammar rejected the string (OmegaConf's GrammarParseError).
class GrammarParseError : public InterpolationError {
 public:
  explicit GrammarParseError(std::string message)
      : InterpolationError("GrammarParseError", std::move(message)) {}
};

}  // namespace ragforge::config
