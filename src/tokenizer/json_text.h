// One top-level member of a JSON object, found and replaced in the object's
// text, so that a large file (tokenizer.json: megabytes of vocabulary and
// merges) gets that member changed while every other byte stays as written.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ragforge::tokenizer::json_text {

struct Span {
  size_t begin = 0, end = 0;  // [begin, end) bytes of the member's value
};

// Where the value of the top-level member `key` lies in `text`, a JSON
// object; nullopt when the object has no such member. Keys are compared as
// written (no escape sequences in `key`). Throws ragforge::Error naming
// `where` when the text is not a well-formed object.
std::optional<Span> find_member(std::string_view text, std::string_view key, const std::string& where);

// `text` with the value of member `key` replaced by `value` (JSON text), or
// with the member inserted first when the object has none.
std::string replace_member(std::string_view text, std::string_view key, std::string_view value,
                           const std::string& where);

}  // namespace ragforge::tokenizer::json_text
