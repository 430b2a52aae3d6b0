#include "config/interpolation_error.h"

namespace ragforge::config {

InterpolationError::InterpolationError(std::string type, std::string message)
    : Error(message), type_(std::move(type)), message_(std::move(message)) {}

bool InterpolationError::is_resolution_error() const {
  return type_ == "InterpolationResolutionError" || type_ == "InterpolationKeyError" ||
         type_ == "InterpolationToMissingValueError" || type_ == "InterpolationValidationError" ||
         type_ == "UnsupportedInterpolationType";
}

InterpolationError InterpolationError::with_context(const std::string& full_key,
                                                    const std::string& object_type) const {
  // Mirrors omegaconf._utils.format_and_raise's template (no reference_type
  // line: plain configs have ref_type Any).
  std::string text = message_ + "\n    full_key: " + full_key + "\n    object_type=" + object_type;
  InterpolationError e(type_, text);
  e.message_ = message_;
  e.has_context_ = true;
  e.full_key_ = full_key;
  e.object_type_ = object_type;
  return e;
}

}  // namespace ragforge::config
