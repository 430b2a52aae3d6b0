// tokenizer.json "normalizer": NFC, NFD, NFKC, NFKD, Lowercase, Strip,
// StripAccents, Prepend, Replace and Sequence.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

#include "tokenizer/alignment.h"

namespace ragforge::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Sets `start_moved` when leading characters were deleted, so that the text
  // no longer starts at the original's first character (HF then reports an
  // original offset > 0, which Metaspace's "first" prepend scheme looks at).
  virtual void normalize(std::string& text, bool& start_moved) const = 0;
  // The same on text with alignments (the offsets path): s.text becomes what
  // normalize() gives, and every byte keeps the original span HF's
  // NormalizedString would give it.
  virtual void normalize_aligned(AlignedText& s, bool& start_moved) const = 0;
  void normalize_text(std::string& text) const {
    bool moved = false;
    normalize(text, moved);
  }
};

// nullptr for a JSON null; `where` names the component and file in errors.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& where);

}  // namespace ragforge::tokenizer
