// GPT-2's byte-to-unicode alphabet used by ByteLevel pre-tokenizers and decoders.
#pragma once
#include <array>
#include <string>
#include <string_view>

namespace ragforge::tokenizer::byte_level {

// The UTF-8 of the character that stands for each byte.
const std::array<std::string, 256>& byte_to_char();
// Appends the byte-level form of `bytes` to `out`.
void encode(std::string_view bytes, std::string& out);
// The byte a character stands for, or -1.
int char_to_byte(char32_t c);

}  // namespace ragforge::tokenizer::byte_level
