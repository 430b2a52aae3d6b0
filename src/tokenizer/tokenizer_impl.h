// The loaded tokenizer behind Tokenizer (internal to src/tokenizer). Once
// built, an Impl is never changed: Tokenizer copies share it, and
// add_special_tokens() builds a new one that shares the unchanged parts
// (normalizer, model, ...) with the old.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/bpe.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::tokenizer {

// The files a tokenizer was loaded from, kept so that save() can write them
// back (verbatim while nothing was added).
struct TokenizerSources {
  std::string tokenizer_json;                       // the text of tokenizer.json
  std::optional<std::string> tokenizer_config;      // tokenizer_config.json's text, when there was one
  std::optional<std::string> special_tokens_map;    // special_tokens_map.json's text, when there was one
  std::string dir;                                  // from_dir's folder ("" for from_file)
  bool chat_template_from_jinja = false;            // the template came from chat_template.jinja
};

struct Tokenizer::Impl {
  std::shared_ptr<const Normalizer> normalizer;
  std::shared_ptr<const PreTokenizer> pre_tokenizer;
  std::shared_ptr<const BpeModel> model;
  std::shared_ptr<const PostProcessor> post_processor;
  std::shared_ptr<const Decoder> decoder;
  std::shared_ptr<const AddedVocabulary> added;
  std::unordered_set<std::string> special_contents;
  size_t vocab_size_with_added = 0;

  std::optional<std::string> bos, eos, pad, unk;
  std::vector<std::string> additional_special_tokens;
  std::optional<int32_t> padding_id;  // tokenizer.json "padding"
  std::optional<std::string> padding_token;
  bool add_bos = false, add_eos = false, padding_left = false;
  std::string chat_template;

  std::shared_ptr<const TokenizerSources> sources;
  // add_special_tokens() changed the added tokens or the additional_special_tokens
  // list, so save() rewrites the files instead of copying them.
  bool added_tokens_changed = false;

  // Installs `tokens` as the added vocabulary (special_contents and
  // vocab_size_with_added follow).
  void set_added_tokens(std::vector<AddedToken> tokens);

  // Ids (and optionally tokens) of one sequence before post-processing.
  void encode_sequence(std::string_view text, TokenSequence& seq, bool with_tokens) const;
  // The same with seq.offsets (the offsets path: alignments all the way).
  void encode_sequence_offsets(std::string_view text, TokenSequence& seq, bool with_tokens) const;
  void finish(TokenSequence& seq, bool add_special_tokens, size_t max_length) const;
  void push_model_tokens(const std::string& word, TokenSequence& seq, bool with_tokens) const;
};

}  // namespace ragforge::tokenizer
