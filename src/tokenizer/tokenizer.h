// ragforge's tokenizer: reads a Hugging Face tokenizer.json and produces the
// ids HF `tokenizers` produces (BPE models: byte-level and SentencePiece-style).
//
//   auto tok = ragforge::tokenizer::Tokenizer::from_dir("third_party_npm/qwen3");
//   auto enc = tok.encode("Hello world", /*add_special_tokens=*/false);
//   std::string text = tok.decode(enc.ids);
//   auto with = tok.encode_with_offsets("Hello world", false);  // with.offsets: {0,5}, {5,11}
//
// A Tokenizer is cheap to copy (the loaded model is shared) and safe to use
// from several threads at once. Loading errors are ragforge::Error naming the
// file and component.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ragforge::tokenizer {

class Tokenizer {
 public:
  // Only tokenizer.json: no bos/eos/pad/unk strings beyond tokenizer.json's own padding.
  static Tokenizer from_file(const std::string& tokenizer_json);
  // <dir>/tokenizer.json plus, when present, <dir>/tokenizer_config.json
  // (bos/eos/pad/unk tokens, add_bos_token, add_eos_token, padding_side,
  // chat_template), <dir>/special_tokens_map.json (whose tokens win, as in
  // transformers) and <dir>/chat_template.jinja (which wins over the key).
  static Tokenizer from_dir(const std::string& dir);

  // [start, end) byte offsets into the encoded text.
  using Offsets = std::pair<size_t, size_t>;

  struct Encoding {
    std::vector<int32_t> ids;
    std::vector<std::string> tokens;
    std::vector<int32_t> special_tokens_mask;  // 1 for tokens the post-processor or padding added
    std::vector<int32_t> attention_mask;       // 0 for padding
    // Filled by encode_with_offsets() (and encode_batch with
    // BatchOptions::offsets) only; encode() leaves it empty. One per id: the
    // bytes of the input each token stands for, as HF tokenizers' offsets
    // (Rust's encode(); Python reports the same spans in characters):
    //  - an added token: its match in the text, with the whitespace its
    //    lstrip/rstrip absorbed;
    //  - a model token: the original characters its normalized bytes came from,
    //    through every normalizer and pre-tokenizer (a prepended or replacing
    //    "▁" maps to the character it was put before or replaced; NFC/NFKC,
    //    lowercasing and stripping as HF's NormalizedString tracks them);
    //  - a token that covers part of a multi-byte character (a byte-level or
    //    <0x..> byte-fallback piece) gets the whole character;
    //  - tokens the post-processor or padding adds: (0, 0). ByteLevel and
    //    RobertaProcessing with trim_offsets drop spaces from the spans (in
    //    bytes, as Rust's encode(): a trimmed span can end inside a character
    //    where Python's character offsets round).
    // Starts and ends never decrease along the sequence (trim_offsets aside).
    // For invalid UTF-8 input the offsets index the text after U+FFFD
    // replacement.
    std::vector<Offsets> offsets;
  };

  // Invalid UTF-8 is read as Rust's String::from_utf8_lossy does (U+FFFD).
  // add_special_tokens applies tokenizer.json's post_processor (e.g. Llama's
  // bos); tokenizer_config.json's add_bos_token is only reported, as in HF.
  Encoding encode(std::string_view text, bool add_special_tokens = true) const;
  // encode() plus Encoding::offsets (the same ids; slower, so opt-in).
  Encoding encode_with_offsets(std::string_view text, bool add_special_tokens = true) const;
  // Only the ids of encode(), without building the token strings.
  std::vector<int32_t> encode_ids(std::string_view text, bool add_special_tokens = true) const;
  // The ids of encode() and their offsets (as Encoding::offsets), without the token strings.
  std::vector<int32_t> encode_ids_offsets(std::string_view text, std::vector<Offsets>& offsets,
                                          bool add_special_tokens = true) const;
  // Unknown ids are skipped, as HF does.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  struct BatchOptions {
    size_t max_length = 0;   // with truncation: the most tokens per encoding, special tokens included
    bool truncation = false;  // cut from the right to max_length (needs max_length > 0)
    bool pad = true;          // pad every encoding to the longest of the batch with pad_token()
    bool pad_left = false;    // padding goes first instead of last
    bool offsets = false;     // fill Encoding::offsets (padding gets (0, 0))
  };
  // Padding needs a pad token: tokenizer_config.json's pad_token or
  // tokenizer.json's padding; without one, padding a ragged batch throws.
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, const BatchOptions& options,
                                     bool add_special_tokens = true) const;

  // Added tokens first, then the model's vocabulary.
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  // Distinct token strings (model vocabulary plus added tokens not in it), as
  // HF's get_vocab_size.
  size_t vocab_size(bool with_added = true) const;
  // Whether the id is an added token marked special (skipped by decode(..., true)).
  bool is_special_token(int32_t id) const;

  // From tokenizer_config.json (from_dir); unset when absent or null.
  const std::optional<std::string>& bos_token() const;
  const std::optional<std::string>& eos_token() const;
  const std::optional<std::string>& pad_token() const;
  const std::optional<std::string>& unk_token() const;
  std::optional<int32_t> pad_token_id() const;
  bool add_bos_token() const;
  bool add_eos_token() const;
  // tokenizer_config.json's padding_side is "left" (use it for BatchOptions::pad_left).
  bool padding_side_left() const;
  // The Jinja chat template ("" when none): chat_template.jinja, else
  // tokenizer_config.json's chat_template (the "default" one of a list).
  const std::string& chat_template() const;
  // Replaces the chat template of this Tokenizer (e.g. with a model config's
  // chat_template); copies made earlier keep theirs.
  void set_chat_template(std::string source);

  // transformers' add_special_tokens({"additional_special_tokens": tokens}):
  // each token becomes an added token with special=true, normalized=false and
  // no lstrip/rstrip/single_word, so it splits the text before the model and
  // decode(..., true) drops it. In order:
  //  - "" and a token already added with exactly these flags (e.g. Llama's
  //    "</s>", or one named twice) are skipped;
  //  - a token the vocabulary already has (added with other flags, like Qwen3's
  //    "<think>", or a model token) keeps its id and becomes special;
  //  - any other token gets the next id: one past the largest added id, or
  //    vocab_size(false) when no added id reaches that (Llama's 32000, Qwen3's
  //    151669).
  // Returns the count HF returns (tokens not skipped: kept ids included), so
  // size embeddings by vocab_size(), i.e. len(tokenizer). The list also
  // replaces additional_special_tokens() (HF's default), unless it is empty.
  // Only this Tokenizer changes: copies made earlier keep their vocabulary.
  size_t add_special_tokens(const std::vector<std::string>& tokens);
  // tokenizer_config.json's (or special_tokens_map.json's) additional_special_tokens,
  // or the last list given to add_special_tokens().
  const std::vector<std::string>& additional_special_tokens() const;

  // Writes the tokenizer into `dir` (created if missing) as HF's
  // save_pretrained does, so that from_dir(dir) gives the same ids:
  // tokenizer.json, and the tokenizer_config.json and special_tokens_map.json
  // it was loaded with (verbatim until add_special_tokens() changes them; then
  // with every added token in tokenizer.json's added_tokens and
  // tokenizer_config.json's added_tokens_decoder, and the
  // additional_special_tokens list in both config files, written even when the
  // tokenizer had none). chat_template.jinja when the template came from one
  // or was replaced with set_chat_template(); tokenizer.model is copied when
  // the source folder has one. Each file is written atomically.
  void save(const std::string& dir) const;

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
  std::shared_ptr<const std::string> chat_template_override_;
};

}  // namespace ragforge::tokenizer
