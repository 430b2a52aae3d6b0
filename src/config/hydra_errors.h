// Errors with Hydra's exception types, so the app runner prints them the way
// Hydra does: a "compact" error (ConfigCompositionException,
// MissingConfigException) prints its message plus the OmegaConf error that
// caused it; anything else is reported with its type name.
#pragma once
#include <string>

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

 private:
  std::string type_, cause_type_, cause_message_;
};

inline HydraError composition_error(const std::string& message, std::string cause_type = "",
                                    std::string cause_message = "") {
  return HydraError("ConfigCompositionException", message, std::move(cause_type), std::move(cause_message));
}

}  // namespace ragforge::config
