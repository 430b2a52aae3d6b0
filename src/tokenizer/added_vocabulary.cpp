#include "tokenizer/added_vocabulary.h"

#include <algorithm>

#include "tokenizer/normalizer.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {

void AddedVocabulary::Trie::add(std::string_view key, int32_t token) {
  if (key.empty()) return;
  if (terminal.empty()) terminal.push_back(-1);
  first_byte[static_cast<unsigned char>(key[0])] = true;
  int32_t node = 0;
  for (char c : key) {
    const uint64_t k = (uint64_t(uint32_t(node)) << 8) | static_cast<unsigned char>(c);
    auto it = edges.find(k);
    if (it == edges.end()) {
      const auto next = int32_t(terminal.size());
      terminal.push_back(-1);
      edges.emplace(k, next);
      node = next;
    } else {
      node = it->second;
    }
  }
  if (terminal[size_t(node)] < 0) terminal[size_t(node)] = token;  // first one with this content wins
}

size_t AddedVocabulary::Trie::longest(std::string_view text, size_t pos, int32_t& token) const {
  size_t best = 0;
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const uint64_t k = (uint64_t(uint32_t(node)) << 8) | static_cast<unsigned char>(text[i]);
    auto it = edges.find(k);
    if (it == edges.end()) break;
    node = it->second;
    if (terminal[size_t(node)] >= 0) {
      best = i + 1 - pos;
      token = terminal[size_t(node)];
    }
  }
  return best;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    by_id_.emplace(t.id, i);
    by_content_.emplace(t.content, i);
    if (t.normalized) {
      std::string content = t.content;
      if (normalizer) normalizer->normalize_text(content);
      normalized_.add(content, int32_t(i));
    } else {
      raw_.add(t.content, int32_t(i));
    }
  }
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::by_content(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

namespace {

char32_t char_before(std::string_view s, size_t end) {
  size_t len;
  return unicode::decode(s, unicode::last_char_start(s.substr(0, end)), len);
}

}  // namespace

void AddedVocabulary::split(std::string_view text, bool normalized_tokens, bool at_origin,
                            std::vector<Segment>& out) const {
  const Trie& trie = normalized_tokens ? normalized_ : raw_;
  size_t start_offset = 0;
  auto emit = [&](size_t from, size_t to, int32_t id) {
    if (to <= from) return;
    out.push_back(Segment{std::string(text.substr(from, to - from)), id, at_origin && from == 0, from, to});
  };
  if (!trie.terminal.empty()) {
    for (size_t pos = 0; pos < text.size();) {
      int32_t index = -1;
      const size_t len = trie.first_byte[static_cast<unsigned char>(text[pos])] ? trie.longest(text, pos, index) : 0;
      if (len == 0) {
        ++pos;
        continue;
      }
      const AddedToken& t = tokens_[size_t(index)];
      size_t start = pos, stop = pos + len;
      pos = stop;  // matches never overlap, even a rejected one
      if (t.single_word) {
        size_t l;
        const bool start_space = start == 0 || !unicode::is_word_char(char_before(text, start));
        const bool stop_space = stop == text.size() || !unicode::is_word_char(unicode::decode(text, stop, l));
        if (!start_space || !stop_space) continue;
      }
      if (t.lstrip) {
        size_t s = start;
        while (s > 0) {
          const size_t cs = unicode::last_char_start(text.substr(0, s));
          size_t l;
          if (!unicode::is_whitespace(unicode::decode(text, cs, l))) break;
          s = cs;
        }
        start = std::max(s, start_offset);
      }
      if (t.rstrip) {
        while (stop < text.size()) {
          size_t l;
          if (!unicode::is_whitespace(unicode::decode(text, stop, l))) break;
          stop += l;
        }
        pos = std::max(pos, stop);
      }
      if (start < start_offset) start = start_offset;
      emit(start_offset, start, -1);
      emit(start, stop, t.id);
      start_offset = stop;
    }
  }
  emit(start_offset, text.size(), -1);
}

}  // namespace ragforge::tokenizer
