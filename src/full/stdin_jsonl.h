// The stdin-to-stdout JSONL loop of `tokenize` and `chat-template`: each
// non-blank stdin line is one JSON value, answered by one line on stdout.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace ragforge::full {

// `where` is "stdin line N: ", to start the answer's error messages with.
using JsonlAnswer = std::function<nlohmann::ordered_json(const nlohmann::ordered_json& in, const std::string& where)>;

// Runs `answer` on every line until stdin ends. A line that is not JSON
// throws ragforge::Error naming its line; so should `answer` for bad input.
// Invalid UTF-8 in an answer is written as U+FFFD.
void answer_stdin_jsonl(const JsonlAnswer& answer);

}  // namespace ragforge::full
