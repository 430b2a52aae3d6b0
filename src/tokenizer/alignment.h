// Offsets tracking for Tokenizer::encode_with_offsets: text on its way to the
// model whose every byte knows the [start, end) byte span of the original text
// it came from, as HF tokenizers' NormalizedString keeps its alignments (one
// per byte; every byte of a character carries that character's span, so a
// token that covers part of a multi-byte character maps to the whole of it).
// Only the offsets path uses this; encode_ids never builds alignments.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ragforge::tokenizer {

using Offsets = std::pair<size_t, size_t>;  // [start, end) bytes of the original text

struct AlignedText {
  std::string text;
  std::vector<Offsets> align;  // one per byte of `text`
  size_t base = 0;             // where this stretch starts in the original (HF's (0, 0) for insertions at 0)
};

// `text`, unchanged, whose first byte is at `base` in the original.
void init_aligned(std::string_view text, size_t base, AlignedText& out);

// The alignments of `count` bytes that replace or follow the byte at `at` -
// HF's rule for inserted characters: they share the alignment of the byte
// before them (here: align[at - 1]), or (base, base) at the very start.
Offsets inserted_alignment(const AlignedText& s, size_t at);

// HF's NormalizedString::transform over the whole text: `dest` holds each new
// character with its change (> 0: inserted, 0: replaces the next original
// character, < 0: replaces one and removes -change more).
void transform_aligned(AlignedText& s, const std::vector<std::pair<char32_t, int>>& dest);

// The original span of the bytes [begin, end) of the aligned text (HF's
// convert_offsets of a normalized range): from the first byte's start to the
// last byte's end.
inline Offsets original_span(const std::vector<Offsets>& align, size_t begin, size_t end) {
  if (end <= begin) return begin < align.size() ? Offsets{align[begin].first, align[begin].first} : Offsets{0, 0};
  return {align[begin].first, align[end - 1].second};
}

}  // namespace ragforge::tokenizer
