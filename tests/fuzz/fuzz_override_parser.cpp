// Any byte string as a command-line override: parsing must either succeed or
// throw ragforge::Error; rendering and sweep expansion of what parsed must not crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/override.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  try {
    auto o = ragforge::config::parse_override(input);
    if (o.is_sweep()) {
      if (o.value_type != ragforge::config::OverrideValueType::IntervalSweep)
        (void)o.sweep_strings({"a", "b", "c"});
    } else {
      (void)o.value_as_str();
      (void)o.value_node();
    }
  } catch (const ragforge::Error&) {
  }
  return 0;
}
