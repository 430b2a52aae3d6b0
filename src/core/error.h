// The one exception type ragforge throws for user-facing errors. Its message
// is complete on its own: it names the file, line or key and says how to fix
// it. Apps print it and exit non-zero; they never print a stack trace.
#pragma once
#include <stdexcept>
#include <string>

namespace ragforge {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ragforge
