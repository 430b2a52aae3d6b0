#include "tokenizer/tokenizer.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "core/error.h"
#include "tokenizer/alignment.h"
#include "tokenizer/json_util.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {

using json_util::json;

namespace {

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(std::string("cannot read ") + what + " '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json parse_json(const std::string& text, const std::string& path) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(path + ": invalid JSON: " + e.what());
  }
}

bool file_exists(const std::string& path) {
  std::ifstream in(path);
  return static_cast<bool>(in);
}

// tokenizer_config.json tokens are a string, null, or {"content": ...}.
std::optional<std::string> config_token(const json& cfg, const char* key, const std::string& path) {
  auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
    return (*it)["content"].get<std::string>();
  throw Error(path + ": '" + key + "' must be a string, null or {\"content\": ...}, got " + it->dump());
}

// Reads tokenizer.json; its text is kept in `sources` for save().
std::shared_ptr<Tokenizer::Impl> load(const std::string& path, TokenizerSources& sources) {
  sources.tokenizer_json = read_file(path, "tokenizer file");
  const json root = parse_json(sources.tokenizer_json, path);
  if (!root.is_object()) throw Error(path + ": expected a JSON object at the top level");
  auto impl = std::make_shared<Tokenizer::Impl>();
  auto section = [&](const char* key) -> const json& {
    static const json null_json;
    auto it = root.find(key);
    return it == root.end() ? null_json : *it;
  };
  const std::string where = path + ": ";
  impl->normalizer = make_normalizer(section("normalizer"), where + "normalizer");
  impl->pre_tokenizer = make_pre_tokenizer(section("pre_tokenizer"), where + "pre_tokenizer");
  impl->post_processor = make_post_processor(section("post_processor"), where + "post_processor");
  impl->decoder = make_decoder(section("decoder"), where + "decoder");

  const json& model = section("model");
  if (!model.is_object()) throw Error(where + "model: missing or not an object");
  const std::string type = json_util::get_string_or(model, "type", "BPE", where + "model");
  if (type != "BPE") throw Error(where + "model: model type '" + type + "' is not supported (only BPE)");
  impl->model = std::make_unique<BpeModel>(model, where + "model");

  std::vector<AddedToken> added;
  const json& list = section("added_tokens");
  if (!list.is_null() && !list.is_array()) throw Error(where + "added_tokens: must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string w = where + "added_tokens[" + std::to_string(i) + "]";
    const json& t = list[i];
    AddedToken a;
    const int64_t id = json_util::get_int_or(t, "id", -1, w);
    if (id < 0 || id > INT32_MAX) json_util::fail(w, "'id' must be a non-negative integer");
    a.id = int32_t(id);
    a.content = json_util::get_string(t, "content", w);
    if (a.content.empty()) json_util::fail(w, "'content' must not be empty");
    a.single_word = json_util::get_bool_or(t, "single_word", false, w);
    a.lstrip = json_util::get_bool_or(t, "lstrip", false, w);
    a.rstrip = json_util::get_bool_or(t, "rstrip", false, w);
    a.special = json_util::get_bool_or(t, "special", false, w);
    a.normalized = json_util::get_bool_or(t, "normalized", !a.special, w);
    added.push_back(std::move(a));
  }
  impl->set_added_tokens(std::move(added));

  const json& padding = section("padding");
  if (padding.is_object()) {
    const int64_t pid = json_util::get_int_or(padding, "pad_id", 0, where + "padding");
    impl->padding_id = int32_t(pid);
    impl->padding_token = json_util::get_string_or(padding, "pad_token", "", where + "padding");
  }
  return impl;
}

// additional_special_tokens: a list of strings or {"content": ...}.
std::vector<std::string> config_token_list(const json& cfg, const char* key, const std::string& path) {
  std::vector<std::string> out;
  auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return out;
  if (!it->is_array()) throw Error(path + ": '" + key + "' must be a list of tokens, got " + it->dump());
  for (const json& t : *it) {
    if (t.is_string())
      out.push_back(t.get<std::string>());
    else if (t.is_object() && t.contains("content") && t["content"].is_string())
      out.push_back(t["content"].get<std::string>());
    else
      throw Error(path + ": '" + key + "' entries must be strings or {\"content\": ...}, got " + t.dump());
  }
  return out;
}

}  // namespace

void Tokenizer::Impl::set_added_tokens(std::vector<AddedToken> tokens) {
  special_contents.clear();
  std::unordered_set<std::string> extra;  // distinct contents the model lacks, as HF's get_vocab_size
  for (const AddedToken& a : tokens) {
    if (a.special) special_contents.insert(a.content);
    if (!model->token_to_id(a.content)) extra.insert(a.content);
  }
  vocab_size_with_added = model->vocab_size() + extra.size();
  added = std::make_shared<const AddedVocabulary>(std::move(tokens), normalizer.get());
}

Tokenizer Tokenizer::from_file(const std::string& tokenizer_json) {
  TokenizerSources sources;
  auto impl = load(tokenizer_json, sources);
  impl->sources = std::make_shared<const TokenizerSources>(std::move(sources));
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_dir(const std::string& dir) {
  TokenizerSources sources;
  sources.dir = dir;
  auto impl = load(dir + "/tokenizer.json", sources);
  const std::string cfg_path = dir + "/tokenizer_config.json";
  if (file_exists(cfg_path)) {
    sources.tokenizer_config = read_file(cfg_path, "tokenizer config");
    const json cfg = parse_json(*sources.tokenizer_config, cfg_path);
    if (!cfg.is_object()) throw Error(cfg_path + ": expected a JSON object at the top level");
    impl->bos = config_token(cfg, "bos_token", cfg_path);
    impl->eos = config_token(cfg, "eos_token", cfg_path);
    impl->pad = config_token(cfg, "pad_token", cfg_path);
    impl->unk = config_token(cfg, "unk_token", cfg_path);
    impl->additional_special_tokens = config_token_list(cfg, "additional_special_tokens", cfg_path);
    impl->add_bos = json_util::get_bool_or(cfg, "add_bos_token", false, cfg_path);
    impl->add_eos = json_util::get_bool_or(cfg, "add_eos_token", false, cfg_path);
    const std::string side = json_util::get_string_or(cfg, "padding_side", "right", cfg_path);
    if (side != "left" && side != "right")
      throw Error(cfg_path + ": 'padding_side' must be \"left\" or \"right\", got '" + side + "'");
    impl->padding_left = side == "left";
    if (auto it = cfg.find("chat_template"); it != cfg.end() && !it->is_null()) {
      if (it->is_string()) {
        impl->chat_template = it->get<std::string>();
      } else if (it->is_array()) {
        // [{"name": ..., "template": ...}]: the "default" one, else the first.
        for (const json& t : *it) {
          if (!t.is_object() || !t.contains("template") || !t["template"].is_string())
            throw Error(cfg_path + ": chat_template entries must be {\"name\": ..., \"template\": ...}");
          if (impl->chat_template.empty() || (t.contains("name") && t["name"] == "default"))
            impl->chat_template = t["template"].get<std::string>();
        }
      } else {
        throw Error(cfg_path + ": 'chat_template' must be a string or a list of named templates");
      }
    }
  }
  // special_tokens_map.json overrides tokenizer_config.json, as in transformers.
  const std::string map_path = dir + "/special_tokens_map.json";
  if (file_exists(map_path)) {
    sources.special_tokens_map = read_file(map_path, "special tokens map");
    const json map = parse_json(*sources.special_tokens_map, map_path);
    if (!map.is_object()) throw Error(map_path + ": expected a JSON object at the top level");
    if (map.contains("bos_token")) impl->bos = config_token(map, "bos_token", map_path);
    if (map.contains("eos_token")) impl->eos = config_token(map, "eos_token", map_path);
    if (map.contains("pad_token")) impl->pad = config_token(map, "pad_token", map_path);
    if (map.contains("unk_token")) impl->unk = config_token(map, "unk_token", map_path);
    if (map.contains("additional_special_tokens"))
      impl->additional_special_tokens = config_token_list(map, "additional_special_tokens", map_path);
  }
  // Newer exports keep the template in chat_template.jinja, which wins over the key.
  const std::string jinja = dir + "/chat_template.jinja";
  if (file_exists(jinja)) {
    impl->chat_template = read_file(jinja, "chat template");
    sources.chat_template_from_jinja = true;
  }
  impl->sources = std::make_shared<const TokenizerSources>(std::move(sources));
  return Tokenizer(std::move(impl));
}

void Tokenizer::Impl::push_model_tokens(const std::string& word, TokenSequence& seq, bool with_tokens) const {
  const size_t before = seq.ids.size();
  model->tokenize(word, seq.ids);
  if (with_tokens)
    for (size_t i = before; i < seq.ids.size(); ++i) seq.tokens.push_back(*model->id_to_token(seq.ids[i]));
}

void Tokenizer::Impl::encode_sequence(std::string_view text, TokenSequence& seq, bool with_tokens) const {
  std::string storage;
  const std::string_view clean = unicode::sanitize_utf8(text, storage);
  std::vector<Segment> raw, norm;
  thread_local std::vector<Piece> pieces;  // keeps its capacity between calls
  added->split(clean, false, true, raw);
  for (Segment& seg : raw) {
    if (seg.id >= 0) {
      seq.ids.push_back(seg.id);
      if (with_tokens) seq.tokens.push_back(std::move(seg.text));
      continue;
    }
    bool start_moved = false;
    if (normalizer) normalizer->normalize(seg.text, start_moved);
    norm.clear();
    added->split(seg.text, true, seg.at_origin && !start_moved, norm);
    for (Segment& s : norm) {
      if (s.id >= 0) {
        seq.ids.push_back(s.id);
        if (with_tokens) seq.tokens.push_back(std::move(s.text));
        continue;
      }
      pieces.clear();
      pieces.push_back(Piece{std::move(s.text), s.at_origin});
      if (pre_tokenizer) pre_tokenizer->pre_tokenize(pieces);
      for (const Piece& p : pieces) push_model_tokens(p.text, seq, with_tokens);
    }
  }
  seq.special_tokens_mask.assign(seq.ids.size(), 0);
}

void Tokenizer::Impl::encode_sequence_offsets(std::string_view text, TokenSequence& seq, bool with_tokens) const {
  seq.with_offsets = true;
  std::string storage;
  const std::string_view clean = unicode::sanitize_utf8(text, storage);
  std::vector<Segment> raw, norm;
  std::vector<AlignedPiece> pieces;
  std::vector<uint32_t> lens;
  AlignedText a;
  auto push_added = [&](Segment& s, Offsets span) {
    seq.ids.push_back(s.id);
    seq.offsets.push_back(span);
    if (with_tokens) seq.tokens.push_back(std::move(s.text));
  };
  added->split(clean, false, true, raw);
  for (Segment& seg : raw) {
    if (seg.id >= 0) {
      push_added(seg, {seg.begin, seg.end});  // lstrip/rstrip whitespace included, as HF
      continue;
    }
    init_aligned(seg.text, seg.begin, a);
    bool start_moved = false;
    if (normalizer) normalizer->normalize_aligned(a, start_moved);
    norm.clear();
    added->split(a.text, true, seg.at_origin && !start_moved, norm);
    for (Segment& s : norm) {
      if (s.id >= 0) {
        push_added(s, original_span(a.align, s.begin, s.end));
        continue;
      }
      pieces.clear();
      pieces.emplace_back();
      pieces.back().text = std::move(s.text);
      pieces.back().at_origin = s.at_origin;
      pieces.back().align.assign(a.align.begin() + std::ptrdiff_t(s.begin), a.align.begin() + std::ptrdiff_t(s.end));
      if (pre_tokenizer) pre_tokenizer->pre_tokenize(pieces);
      for (const AlignedPiece& p : pieces) {
        const size_t before = seq.ids.size();
        lens.clear();
        model->tokenize_with_lengths(p.text, seq.ids, lens);
        // As HF's Word: each token covers the next lens[k] bytes of the piece.
        size_t pos = 0;
        for (uint32_t len : lens) {
          const size_t end = std::min(pos + len, p.text.size());
          seq.offsets.push_back(original_span(p.align, std::min(pos, end), end));
          pos = end;
        }
        if (with_tokens)
          for (size_t i = before; i < seq.ids.size(); ++i) seq.tokens.push_back(*model->id_to_token(seq.ids[i]));
      }
    }
  }
  seq.special_tokens_mask.assign(seq.ids.size(), 0);
}

void Tokenizer::Impl::finish(TokenSequence& seq, bool add_special_tokens, size_t max_length) const {
  const bool process = add_special_tokens && post_processor;
  if (max_length > 0) {
    const size_t added_count = process ? post_processor->added_tokens() : 0;
    const size_t budget = max_length > added_count ? max_length - added_count : 0;
    if (seq.ids.size() > budget) {
      seq.ids.resize(budget);
      if (!seq.tokens.empty()) seq.tokens.resize(budget);
      seq.special_tokens_mask.resize(budget);
      if (seq.with_offsets) seq.offsets.resize(budget);
    }
  }
  if (seq.with_offsets && post_processor) post_processor->trim_offsets(seq);  // HF trims with or without specials
  if (process) post_processor->process(seq);
  if (max_length > 0 && seq.ids.size() > max_length) {  // more special tokens than max_length
    seq.ids.resize(max_length);
    seq.tokens.resize(std::min(seq.tokens.size(), max_length));
    seq.special_tokens_mask.resize(max_length);
    if (seq.with_offsets) seq.offsets.resize(max_length);
  }
}

namespace {
// The finished sequence as an Encoding: no padding yet (every mask 1); offsets
// only where the sequence tracked them.
Tokenizer::Encoding to_encoding(TokenSequence&& seq) {
  Tokenizer::Encoding enc;
  enc.attention_mask.assign(seq.ids.size(), 1);
  enc.ids = std::move(seq.ids);
  enc.tokens = std::move(seq.tokens);
  enc.special_tokens_mask = std::move(seq.special_tokens_mask);
  enc.offsets = std::move(seq.offsets);
  return enc;
}
}  // namespace

Tokenizer::Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  TokenSequence seq;
  impl_->encode_sequence(text, seq, true);
  impl_->finish(seq, add_special_tokens, 0);
  return to_encoding(std::move(seq));
}

Tokenizer::Encoding Tokenizer::encode_with_offsets(std::string_view text, bool add_special_tokens) const {
  TokenSequence seq;
  impl_->encode_sequence_offsets(text, seq, true);
  impl_->finish(seq, add_special_tokens, 0);
  return to_encoding(std::move(seq));
}

std::vector<int32_t> Tokenizer::encode_ids_offsets(std::string_view text, std::vector<Offsets>& offsets,
                                                   bool add_special_tokens) const {
  TokenSequence seq;
  // Trimming offsets reads the token strings.
  const bool tokens = impl_->post_processor && impl_->post_processor->trims_offsets();
  impl_->encode_sequence_offsets(text, seq, tokens);
  if (add_special_tokens && impl_->post_processor && !tokens) seq.tokens.assign(seq.ids.size(), std::string());
  impl_->finish(seq, add_special_tokens, 0);
  offsets = std::move(seq.offsets);
  return std::move(seq.ids);
}

std::vector<int32_t> Tokenizer::encode_ids(std::string_view text, bool add_special_tokens) const {
  TokenSequence seq;
  impl_->encode_sequence(text, seq, false);
  if (add_special_tokens && impl_->post_processor) {
    seq.tokens.assign(seq.ids.size(), std::string());
    impl_->finish(seq, true, 0);
  }
  return std::move(seq.ids);
}

std::vector<Tokenizer::Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                         const BatchOptions& options,
                                                         bool add_special_tokens) const {
  if (options.truncation && options.max_length == 0)
    throw Error("tokenizer: encode_batch with truncation needs max_length > 0");
  std::vector<Encoding> out;
  out.reserve(texts.size());
  size_t longest = 0;
  for (const std::string& text : texts) {
    TokenSequence seq;
    if (options.offsets)
      impl_->encode_sequence_offsets(text, seq, true);
    else
      impl_->encode_sequence(text, seq, true);
    impl_->finish(seq, add_special_tokens, options.truncation ? options.max_length : 0);
    Encoding enc = to_encoding(std::move(seq));
    longest = std::max(longest, enc.ids.size());
    out.push_back(std::move(enc));
  }
  if (!options.pad) return out;
  bool ragged = false;
  for (const Encoding& e : out) ragged = ragged || e.ids.size() != longest;
  if (!ragged) return out;
  const std::optional<int32_t> pad_id = pad_token_id();
  if (!pad_id)
    throw Error("tokenizer: cannot pad the batch: the tokenizer has no pad token (set pad_token in "
                "tokenizer_config.json, or encode with pad = false)");
  const std::string pad_tok = impl_->pad ? *impl_->pad : impl_->padding_token.value_or(id_to_token(*pad_id).value_or(""));
  for (Encoding& e : out) {
    const size_t n = longest - e.ids.size();
    if (n == 0) continue;
    auto pad_vec = [&](auto& v, const auto& value) {
      v.insert(options.pad_left ? v.begin() : v.end(), n, value);
    };
    pad_vec(e.ids, *pad_id);
    pad_vec(e.tokens, pad_tok);
    pad_vec(e.special_tokens_mask, 1);
    pad_vec(e.attention_mask, 0);
    if (options.offsets) pad_vec(e.offsets, Offsets{0, 0});
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    const std::string* tok = nullptr;
    if (const AddedToken* a = impl_->added->by_id(id))
      tok = &a->content;
    else
      tok = impl_->model->id_to_token(id);
    if (!tok) continue;
    if (skip_special_tokens && impl_->special_contents.count(*tok)) continue;
    tokens.push_back(*tok);
  }
  if (!impl_->decoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out += ' ';
      out += tokens[i];
    }
    return out;
  }
  impl_->decoder->decode_chain(tokens);
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* a = impl_->added->by_content(token)) return a->id;
  return impl_->model->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* a = impl_->added->by_id(id)) return a->content;
  if (const std::string* t = impl_->model->id_to_token(id)) return *t;
  return std::nullopt;
}

size_t Tokenizer::vocab_size(bool with_added) const {
  return with_added ? impl_->vocab_size_with_added : impl_->model->vocab_size();
}

bool Tokenizer::is_special_token(int32_t id) const {
  const AddedToken* a = impl_->added->by_id(id);
  return a && a->special;
}

const std::optional<std::string>& Tokenizer::bos_token() const { return impl_->bos; }
const std::optional<std::string>& Tokenizer::eos_token() const { return impl_->eos; }
const std::optional<std::string>& Tokenizer::pad_token() const { return impl_->pad; }
const std::optional<std::string>& Tokenizer::unk_token() const { return impl_->unk; }
const std::vector<std::string>& Tokenizer::additional_special_tokens() const {
  return impl_->additional_special_tokens;
}
bool Tokenizer::add_bos_token() const { return impl_->add_bos; }
bool Tokenizer::add_eos_token() const { return impl_->add_eos; }
bool Tokenizer::padding_side_left() const { return impl_->padding_left; }
const std::string& Tokenizer::chat_template() const {
  return chat_template_override_ ? *chat_template_override_ : impl_->chat_template;
}
void Tokenizer::set_chat_template(std::string source) {
  chat_template_override_ = std::make_shared<const std::string>(std::move(source));
}

std::optional<int32_t> Tokenizer::pad_token_id() const {
  if (impl_->pad) {
    auto id = token_to_id(*impl_->pad);
    if (!id) throw Error("tokenizer: pad_token '" + *impl_->pad + "' is not in the vocabulary");
    return id;
  }
  return impl_->padding_id;
}

}  // namespace ragforge::tokenizer
