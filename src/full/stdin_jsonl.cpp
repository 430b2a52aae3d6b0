#include "full/stdin_jsonl.h"

#include <iostream>

#include "core/error.h"

namespace ragforge::full {

void answer_stdin_jsonl(const JsonlAnswer& answer) {
  using nlohmann::ordered_json;
  std::ios::sync_with_stdio(false);
  std::string line;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines carry nothing
    const std::string where = "stdin line " + std::to_string(line_no) + ": ";
    ordered_json in;
    try {
      in = ordered_json::parse(line);
    } catch (const ordered_json::exception& e) {
      throw Error(where + "invalid JSON: " + e.what());
    }
    std::cout << answer(in, where).dump(-1, ' ', false, ordered_json::error_handler_t::replace) << '\n';
  }
  std::cout.flush();
}

}  // namespace ragforge::full
