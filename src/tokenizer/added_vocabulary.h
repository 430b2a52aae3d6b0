// Added tokens (tokenizer.json "added_tokens"): the text is split on them
// before the model sees it, leftmost-longest, honouring single_word, lstrip,
// rstrip and normalized, as HF's AddedVocabulary does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ragforge::tokenizer {

class Normalizer;

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool single_word = false, lstrip = false, rstrip = false, normalized = false, special = false;
};

// A stretch of text: either an added token (id >= 0) or text for the model.
struct Segment {
  std::string text;
  int32_t id = -1;
  bool at_origin = false;  // starts at offset 0 of the original text
  size_t begin = 0, end = 0;  // where `text` lies in the text that was split (bytes)
};

class AddedVocabulary {
 public:
  // `normalizer` (may be null) normalizes the contents of normalized tokens.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Splits `text` on the tokens matched before (normalized=false) or after
  // (normalized=true) normalization.
  void split(std::string_view text, bool normalized_tokens, bool at_origin, std::vector<Segment>& out) const;

  const AddedToken* by_id(int32_t id) const;
  const AddedToken* by_content(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  bool empty() const { return tokens_.empty(); }

 private:
  struct Trie {
    std::vector<int32_t> terminal;                   // node -> token index or -1
    std::unordered_map<uint64_t, int32_t> edges;     // (node << 8 | byte) -> node
    bool first_byte[256] = {};
    void add(std::string_view key, int32_t token);
    // Longest key starting at text[pos]: returns its length (0 if none) and token.
    size_t longest(std::string_view text, size_t pos, int32_t& token) const;
  };

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  Trie raw_, normalized_;
};

}  // namespace ragforge::tokenizer
