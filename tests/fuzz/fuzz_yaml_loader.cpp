// Any byte string as a config file: loading must either succeed or throw
// ragforge::Error; what loaded must emit as YAML without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/yaml_emit.h"
#include "config/yaml_load.h"
#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)ragforge::config::read_header_directives(text);
    auto node = ragforge::config::load_yaml_string(text, "fuzz.yaml");
    (void)ragforge::config::to_yaml(node);
  } catch (const ragforge::Error&) {
  }
  return 0;
}
