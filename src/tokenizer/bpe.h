// The BPE model of tokenizer.json: byte-level (GPT-2, Qwen, Llama 3) and
// SentencePiece-style (byte_fallback, fuse_unk), with ignore_merges,
// continuing_subword_prefix and end_of_word_suffix. Merges run on a linked
// list of symbols with a priority queue over a pair-of-ids rank table; words
// already seen come from a bounded cache.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <deque>
#include <vector>

#include "tokenizer/vocab_map.h"

namespace ragforge::tokenizer {

class BpeModel {
 public:
  BpeModel(const nlohmann::json& model, const std::string& where);
  ~BpeModel();
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // Appends the ids of one pre-tokenized word.
  void tokenize(std::string_view word, std::vector<int32_t>& out) const;
  // The same ids, plus how many bytes of the word each token covers (HF's
  // token offsets within the word: a byte-fallback token covers its byte, a
  // fused unknown every character it fused). For the offsets path; it keeps a
  // cache of its own so that tokenize() is untouched.
  void tokenize_with_lengths(std::string_view word, std::vector<int32_t>& out, std::vector<uint32_t>& lens) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  const std::string* id_to_token(int32_t id) const;  // nullptr when unknown
  size_t vocab_size() const { return vocab_.size(); }

 private:
  struct MergeTable;
  void tokenize_cached(std::string_view word, std::vector<int32_t>& out) const;
  void tokenize_cached_lengths(std::string_view word, std::vector<int32_t>& out, std::vector<uint32_t>& lens) const;
  // Out of line, as before the lengths variant existed: inlined into
  // tokenize_cached it costs the ids path about 1%.
  template <bool kLengths>
  __attribute__((noinline)) void merge_word(std::string_view word, std::vector<int32_t>& out, std::vector<uint32_t>* lens) const;

  std::vector<std::string> id_to_token_;
  std::vector<bool> has_id_;
  VocabMap vocab_;                     // views into id_to_token_ and extra_keys_
  std::deque<std::string> extra_keys_;  // tokens that share an id with another
  std::unique_ptr<MergeTable> merges_;
  std::optional<int32_t> unk_id_;
  std::string continuing_subword_prefix_, end_of_word_suffix_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  std::array<int32_t, 256> byte_fallback_ids_{};
  // SentencePiece-style vocabularies whose merges never join "x" + "▁y": a
  // word can then be cut before every "▁" that follows another character and
  // each part merged (and cached) on its own, with the same result.
  std::string chunk_marker_;

  // Word cache, shared by threads; a busy lock simply skips the cache.
  class WordCache;
  mutable std::mutex cache_mutex_;
  std::unique_ptr<WordCache> cache_;
  // The offsets path's cache (made on first use): each entry holds the ids,
  // then their lengths.
  mutable std::mutex lengths_cache_mutex_;
  mutable std::unique_ptr<WordCache> lengths_cache_;
};

}  // namespace ragforge::tokenizer
