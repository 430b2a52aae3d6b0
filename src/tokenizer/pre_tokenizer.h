// tokenizer.json "pre_tokenizer": ByteLevel, Split, Digits, Metaspace,
// Whitespace, WhitespaceSplit, Punctuation, BertPreTokenizer and Sequence.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/alignment.h"

namespace ragforge::tokenizer {

// One split of the text on its way to the model.
struct Piece {
  std::string text;
  bool at_origin = false;  // starts at offset 0 of the original text (Metaspace "first")
};

// A piece on the offsets path: also the original span of every byte of
// `text`, kept through every split and rewrite.
struct AlignedPiece : Piece {
  std::vector<Offsets> align;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` by their splits (never empty ones).
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
  // The same splits, with alignments (one implementation for both).
  virtual void pre_tokenize(std::vector<AlignedPiece>& pieces) const = 0;
};

// Metaspace's prepend_scheme (or the older add_prefix_space flag).
enum class PrependScheme { Always, First, Never };
PrependScheme parse_prepend_scheme(const nlohmann::json& j, const std::string& where);

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j, const std::string& where);

}  // namespace ragforge::tokenizer
