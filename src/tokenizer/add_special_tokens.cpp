// Tokenizer::add_special_tokens: the rules of HF tokenizers'
// AddedVocabulary::add_tokens (Rust 0.22) for transformers' special tokens,
// applied to a new Impl so that copies made earlier keep the old vocabulary.
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {

namespace {

// HF compares every field of an AddedToken, not only its content.
bool same_flags(const AddedToken& a, const AddedToken& b) {
  return a.single_word == b.single_word && a.lstrip == b.lstrip && a.rstrip == b.rstrip &&
         a.normalized == b.normalized && a.special == b.special;
}

// transformers' AddedToken(t, special=True, normalized=False), strips off.
AddedToken special_token(const std::string& content) {
  AddedToken t;
  t.content = content;
  t.special = true;
  return t;
}

}  // namespace

size_t Tokenizer::add_special_tokens(const std::vector<std::string>& tokens) {
  std::vector<std::string> listed;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].empty()) continue;  // HF ignores empty tokens
    if (!unicode::is_valid_utf8(tokens[i]))
      throw Error("tokenizer: add_special_tokens: token " + std::to_string(i) +
                  " is not valid UTF-8 (tokens are text, as in tokenizer.json)");
    listed.push_back(tokens[i]);
  }
  if (listed.empty()) return 0;

  std::vector<AddedToken> added = impl_->added->tokens();
  std::unordered_map<std::string, size_t> position;  // content -> index in `added`; the first wins, as in lookups
  int64_t max_id = -1;
  for (size_t i = 0; i < added.size(); ++i) {
    position.emplace(added[i].content, i);
    max_id = std::max<int64_t>(max_id, added[i].id);
  }
  const auto model_size = int64_t(impl_->model->vocab_size());
  size_t count = 0;
  for (const std::string& content : listed) {
    AddedToken t = special_token(content);
    if (auto it = position.find(content); it != position.end()) {
      AddedToken& old = added[it->second];
      if (same_flags(old, t)) continue;
      t.id = old.id;  // e.g. Qwen3's non-special "<think>": same id, now special
      old = t;
    } else {
      if (auto model_id = impl_->model->token_to_id(content)) {
        t.id = *model_id;  // a model token: it keeps its id
      } else {
        // One past the largest added id, unless every added id lies inside the model's range.
        const int64_t id = max_id < 0 ? model_size : (max_id >= model_size || model_size == 0) ? max_id + 1 : model_size;
        if (id > INT32_MAX) throw Error("tokenizer: add_special_tokens: no id left for '" + content + "'");
        t.id = int32_t(id);
      }
      max_id = std::max<int64_t>(max_id, t.id);
      position.emplace(content, added.size());
      added.push_back(std::move(t));
    }
    ++count;
  }

  if (count == 0 && listed == impl_->additional_special_tokens) return 0;
  auto next = std::make_shared<Impl>(*impl_);  // shares the model, normalizer, ... with the old one
  if (count > 0) next->set_added_tokens(std::move(added));
  next->additional_special_tokens = std::move(listed);  // transformers replaces the list by default
  next->added_tokens_changed = true;
  impl_ = std::move(next);
  return count;
}

}  // namespace ragforge::tokenizer
