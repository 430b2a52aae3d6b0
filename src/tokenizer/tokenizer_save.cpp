// Tokenizer::save: the files transformers' save_pretrained writes for a fast
// tokenizer. While no token was added they are the loaded files, byte for
// byte. After add_special_tokens():
//  - tokenizer.json: the loaded text with only "added_tokens" replaced (every
//    added token, by id, in the fields and order HF tokenizers writes);
//  - tokenizer_config.json: the loaded keys plus added_tokens_decoder and
//    additional_special_tokens, keys sorted as Python's json.dumps(sort_keys=True);
//  - special_tokens_map.json: bos/eos/unk/sep/pad/cls/mask and
//    additional_special_tokens, added tokens as {"content", "lstrip", ...}.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "tokenizer/json_text.h"
#include "tokenizer/tokenizer_impl.h"

namespace ragforge::tokenizer {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

namespace {

std::vector<const AddedToken*> sorted_by_id(const AddedVocabulary& added) {
  std::vector<const AddedToken*> out;
  for (const AddedToken& t : added.tokens()) out.push_back(&t);
  std::stable_sort(out.begin(), out.end(), [](const AddedToken* a, const AddedToken* b) { return a->id < b->id; });
  return out;
}

// "\n" -> "\n" + two spaces: a value printed at depth 0, placed at depth 1.
std::string indented(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

std::string tokenizer_json(const Tokenizer::Impl& impl, const std::string& where) {
  ordered_json list = ordered_json::array();
  for (const AddedToken* t : sorted_by_id(*impl.added))
    list.push_back({{"id", t->id},
                    {"content", t->content},
                    {"single_word", t->single_word},
                    {"lstrip", t->lstrip},
                    {"rstrip", t->rstrip},
                    {"normalized", t->normalized},
                    {"special", t->special}});
  const std::string& text = impl.sources->tokenizer_json;
  const size_t open = text.find('{');
  const bool pretty = open != std::string::npos && open + 1 < text.size() && (text[open + 1] == '\n' || text[open + 1] == '\r');
  return json_text::replace_member(text, "added_tokens", pretty ? indented(list.dump(2)) : list.dump(), where);
}

// Python's json.dumps(sort_keys=True) order, at every depth.
ordered_json with_sorted_keys(const ordered_json& j) {
  if (j.is_array()) {
    ordered_json out = ordered_json::array();
    for (const auto& v : j) out.push_back(with_sorted_keys(v));
    return out;
  }
  if (!j.is_object()) return j;
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  ordered_json out = ordered_json::object();
  for (const std::string& k : keys) out[k] = with_sorted_keys(j.at(k));
  return out;
}

ordered_json parse_object(const std::optional<std::string>& text, const std::string& path) {
  if (!text) return ordered_json::object();
  ordered_json j = ordered_json::parse(*text);  // from_dir parsed it already
  if (!j.is_object()) throw Error(path + ": expected a JSON object at the top level");
  return j;
}

// transformers writes an added token as its AddedToken state, less "special"
// in special_tokens_map.json.
ordered_json token_state(const AddedToken& t, bool with_special) {
  ordered_json j = {{"content", t.content},
                    {"lstrip", t.lstrip},
                    {"normalized", t.normalized},
                    {"rstrip", t.rstrip},
                    {"single_word", t.single_word}};
  if (with_special) j["special"] = t.special;
  return j;
}

std::string tokenizer_config_json(const Tokenizer::Impl& impl, const std::string& path) {
  ordered_json cfg = parse_object(impl.sources->tokenizer_config, path);
  cfg["added_tokens_decoder"] = nullptr;  // placed by the sort, filled below
  cfg["additional_special_tokens"] = impl.additional_special_tokens;
  cfg = with_sorted_keys(cfg);
  ordered_json decoder = ordered_json::object();  // by id as a number, as transformers sorts its int keys
  for (const AddedToken* t : sorted_by_id(*impl.added)) decoder[std::to_string(t->id)] = token_state(*t, true);
  cfg["added_tokens_decoder"] = std::move(decoder);
  return cfg.dump(2) + "\n";
}

std::string special_tokens_map_json(const Tokenizer::Impl& impl, const std::string& path) {
  ordered_json map;
  if (impl.sources->special_tokens_map) {
    map = parse_object(impl.sources->special_tokens_map, path);
  } else {
    // transformers' special_tokens_map: the config's special tokens, as
    // AddedToken states where the token is an added one.
    map = ordered_json::object();
    const ordered_json cfg = parse_object(impl.sources->tokenizer_config, path);
    for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}) {
      auto it = cfg.find(key);
      if (it == cfg.end() || it->is_null()) continue;
      if (it->is_string()) {
        const AddedToken* t = impl.added->by_content(it->get<std::string>());
        map[key] = t ? token_state(*t, false) : *it;
      } else if (it->is_object()) {
        ordered_json state = *it;
        state.erase("special");
        state.erase("__type");
        map[key] = std::move(state);
      }
    }
  }
  ordered_json list = ordered_json::array();
  for (const std::string& content : impl.additional_special_tokens) {
    const AddedToken* t = impl.added->by_content(content);
    list.push_back(t ? token_state(*t, false) : ordered_json(content));
  }
  map["additional_special_tokens"] = std::move(list);
  return with_sorted_keys(map).dump(2) + "\n";
}

std::string read_binary(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path.string() + "' to save it beside the tokenizer");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void Tokenizer::save(const std::string& dir) const {
  const Impl& impl = *impl_;
  if (!impl.sources) throw Error("tokenizer: save: this tokenizer keeps no source files");
  const TokenizerSources& src = *impl.sources;
  const fs::path out(dir);
  const std::string json_path = (out / "tokenizer.json").string();
  const std::string cfg_path = (out / "tokenizer_config.json").string();
  const std::string map_path = (out / "special_tokens_map.json").string();
  if (!impl.added_tokens_changed) {
    write_file_atomic(json_path, src.tokenizer_json);
    if (src.tokenizer_config) write_file_atomic(cfg_path, *src.tokenizer_config);
    if (src.special_tokens_map) write_file_atomic(map_path, *src.special_tokens_map);
  } else {
    write_file_atomic(json_path, tokenizer_json(impl, json_path));
    write_file_atomic(cfg_path, tokenizer_config_json(impl, cfg_path));
    write_file_atomic(map_path, special_tokens_map_json(impl, map_path));
  }
  if (chat_template_override_ || src.chat_template_from_jinja)
    write_file_atomic((out / "chat_template.jinja").string(), chat_template());
  // The SentencePiece model of a slow tokenizer travels along, as HF saves it.
  if (!src.dir.empty()) {
    const fs::path model = fs::path(src.dir) / "tokenizer.model";
    std::error_code ec;
    if (fs::exists(model) && !fs::equivalent(model, out / "tokenizer.model", ec))
      write_file_atomic((out / "tokenizer.model").string(), read_binary(model));
  }
}

}  // namespace ragforge::tokenizer
