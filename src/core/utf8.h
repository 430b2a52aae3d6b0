// UTF-8 <-> code points. YAML's rules (printable characters, line widths,
// escapes) are stated per character, so the loader and emitter work on code
// points rather than bytes.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace ragforge {

// Decodes strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). On failure
// returns false and sets *bad_offset to the byte offset of the bad sequence.
bool decode_utf8(std::string_view in, std::u32string& out, size_t* bad_offset = nullptr);

// Decodes without failing: each byte of an invalid sequence becomes
// U+DC80..U+DCFF, as Python's "surrogateescape" does. For text that did not
// come from a validated source (the emitter must never throw on odd bytes).
std::u32string decode_utf8_lossless(std::string_view in);

void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(std::u32string_view in);

}  // namespace ragforge
