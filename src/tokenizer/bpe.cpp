#include "tokenizer/bpe.h"

#include <algorithm>
#include <cstdio>

#include "tokenizer/json_util.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {

namespace {

using json_util::json;

constexpr size_t kCacheCapacity = 1 << 18;  // words; the cache is cleared when full
constexpr size_t kMaxCachedWordBytes = 256;  // as HF

struct Merge {
  uint32_t rank;
  int32_t new_id;
};

}  // namespace

// Open-addressing map from a pair of ids to (rank, merged id).
struct BpeModel::MergeTable {
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  std::vector<uint64_t> keys;
  std::vector<Merge> values;
  uint64_t mask = 0;
  int shift = 64;

  static uint64_t key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }

  explicit MergeTable(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    keys.assign(cap, kEmpty);
    values.resize(cap);
    mask = cap - 1;
    shift = 64 - __builtin_ctzll(cap);
  }
  size_t slot(uint64_t k) const { return size_t((k * 0x9E3779B97F4A7C15ULL) >> shift); }
  void insert(int32_t a, int32_t b, Merge m) {
    const uint64_t k = key(a, b);
    for (size_t i = slot(k);; i = (i + 1) & mask) {
      if (keys[i] == kEmpty || keys[i] == k) {
        keys[i] = k;
        values[i] = m;  // a repeated pair keeps its last rank, as HF's HashMap does
        return;
      }
    }
  }
  const Merge* find(int32_t a, int32_t b) const {
    const uint64_t k = key(a, b);
    for (size_t i = slot(k);; i = (i + 1) & mask) {
      if (keys[i] == k) return &values[i];
      if (keys[i] == kEmpty) return nullptr;
    }
  }
};

BpeModel::~BpeModel() = default;

BpeModel::BpeModel(const json& model, const std::string& where) {
  const json& vocab = json_util::field(model, "vocab", where);
  if (!vocab.is_object()) json_util::fail(where, "'vocab' must be an object of token -> id");
  int32_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 || it.value().get<int64_t>() > INT32_MAX)
      json_util::fail(where, "vocab id of '" + it.key() + "' must be a non-negative integer");
    max_id = std::max(max_id, it.value().get<int32_t>());
  }
  id_to_token_.resize(size_t(max_id + 1));
  has_id_.assign(size_t(max_id + 1), false);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const auto id = it.value().get<int32_t>();
    id_to_token_[size_t(id)] = it.key();
    has_id_[size_t(id)] = true;
  }
  vocab_.reserve(vocab.size() * 2);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const auto id = it.value().get<int32_t>();
    vocab_[id_to_token_[size_t(id)]] = id;
  }

  continuing_subword_prefix_ = json_util::get_string_or(model, "continuing_subword_prefix", "", where);
  end_of_word_suffix_ = json_util::get_string_or(model, "end_of_word_suffix", "", where);
  fuse_unk_ = json_util::get_bool_or(model, "fuse_unk", false, where);
  byte_fallback_ = json_util::get_bool_or(model, "byte_fallback", false, where);
  ignore_merges_ = json_util::get_bool_or(model, "ignore_merges", false, where);
  if (auto it = model.find("dropout"); it != model.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() != 0.0)
      json_util::fail(where, "BPE dropout " + it->dump() + " is not supported (tokenization must be deterministic)");
  }
  const std::string unk = json_util::get_string_or(model, "unk_token", "", where);
  if (!unk.empty()) {
    auto it = vocab_.find(unk);
    if (it == vocab_.end()) json_util::fail(where, "unk_token '" + unk + "' is not in the vocab");
    unk_id_ = it->second;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = vocab_.find(name);
    byte_fallback_ids_[size_t(b)] = it == vocab_.end() ? -1 : it->second;
  }

  const json& merges = json_util::get_array(model, "merges", where);
  merges_ = std::make_unique<MergeTable>(merges.size());
  const size_t prefix_len = continuing_subword_prefix_.size();
  std::string a, b, merged;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const json& m = merges[rank];
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        json_util::fail(where, "merges[" + std::to_string(rank) + "] '" + s + "' must be two tokens separated by a space");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      json_util::fail(where, "merges[" + std::to_string(rank) + "] must be \"a b\" or [\"a\", \"b\"], got " + m.dump());
    }
    auto ia = vocab_.find(a), ib = vocab_.find(b);
    if (ia == vocab_.end() || ib == vocab_.end())
      json_util::fail(where, "merges[" + std::to_string(rank) + "]: token '" + (ia == vocab_.end() ? a : b) +
                                 "' is not in the vocab");
    merged = a;
    merged.append(b, std::min(prefix_len, b.size()), std::string::npos);
    auto im = vocab_.find(merged);
    if (im == vocab_.end())
      json_util::fail(where, "merges[" + std::to_string(rank) + "]: merged token '" + merged + "' is not in the vocab");
    merges_->insert(ia->second, ib->second, Merge{uint32_t(rank), im->second});
  }
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || size_t(id) >= id_to_token_.size() || !has_id_[size_t(id)]) return nullptr;
  return &id_to_token_[size_t(id)];
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (auto it = vocab_.find(word); it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  const bool cacheable = word.size() < kMaxCachedWordBytes;
  if (cacheable) {
    std::unique_lock<std::mutex> lock(cache_mutex_, std::try_to_lock);
    if (lock.owns_lock()) {
      auto it = cache_.find(std::string(word));
      if (it != cache_.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        return;
      }
    }
  }
  const size_t before = out.size();
  merge_word(word, out);
  if (cacheable) {
    std::unique_lock<std::mutex> lock(cache_mutex_, std::try_to_lock);
    if (lock.owns_lock()) {
      if (cache_.size() >= kCacheCapacity) cache_.clear();
      cache_.emplace(std::string(word), std::vector<int32_t>(out.begin() + std::ptrdiff_t(before), out.end()));
    }
  }
}

namespace {

struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  uint32_t len;  // bytes of the word it covers; 0 once merged into its left neighbour
};

struct QueueItem {
  uint32_t rank;
  uint32_t pos;
  int32_t new_id;
};

// Lowest rank first, then leftmost: a min-heap through std::push_heap.
struct QueueOrder {
  bool operator()(const QueueItem& x, const QueueItem& y) const {
    return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
  }
};

}  // namespace

void BpeModel::merge_word(std::string_view w, std::vector<int32_t>& out) const {
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<QueueItem> queue;
  thread_local std::string piece;
  symbols.clear();
  queue.clear();

  auto add = [&](int32_t id, uint32_t len) {
    const auto n = int32_t(symbols.size());
    symbols.push_back(Symbol{id, n - 1, -1, len});
    if (n > 0) symbols[size_t(n - 1)].next = n;
  };

  int32_t unk_id = -1;  // pending unknown, covering unk_len bytes
  uint32_t unk_len = 0;
  const bool decorate = !continuing_subword_prefix_.empty() || !end_of_word_suffix_.empty();
  for (size_t i = 0; i < w.size();) {
    const size_t len = unicode::char_len(static_cast<unsigned char>(w[i]));
    const bool is_first = i == 0, is_last = i + len >= w.size();
    std::string_view s = w.substr(i, len);
    if (decorate) {
      piece.clear();
      if (!is_first) piece += continuing_subword_prefix_;
      piece += s;
      if (is_last) piece += end_of_word_suffix_;
      s = piece;
    }
    i += len;
    if (auto it = vocab_.find(s); it != vocab_.end()) {
      if (unk_id >= 0) {
        add(unk_id, unk_len);
        unk_id = -1;
      }
      add(it->second, uint32_t(len));
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (char c : s) all = all && byte_fallback_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all) {
        // HF adds a pending unknown only before a vocab hit, not before bytes.
        for (char c : s) add(byte_fallback_ids_[static_cast<unsigned char>(c)], 1);
        continue;
      }
    }
    if (unk_id_) {
      if (unk_id >= 0 && fuse_unk_) {
        unk_len += uint32_t(len);
      } else {
        if (unk_id >= 0) add(unk_id, unk_len);
        unk_id = *unk_id_;
        unk_len = uint32_t(len);
      }
    }
    // Without an unk_token HF drops the character.
  }
  if (unk_id >= 0) add(unk_id, unk_len);

  const MergeTable& merges = *merges_;
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const Merge* m = merges.find(symbols[i].id, symbols[i + 1].id))
      queue.push_back(QueueItem{m->rank, uint32_t(i), m->new_id});
  }
  std::make_heap(queue.begin(), queue.end(), QueueOrder{});
  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), QueueOrder{});
    const QueueItem top = queue.back();
    queue.pop_back();
    Symbol& cur = symbols[top.pos];
    if (cur.len == 0 || cur.next < 0) continue;
    const auto next_pos = size_t(cur.next);
    const Symbol right = symbols[next_pos];
    const Merge* m = merges.find(cur.id, right.id);
    if (!m || m->new_id != top.new_id) continue;  // stale entry
    cur.id = top.new_id;
    cur.len += right.len;
    cur.next = right.next;
    symbols[next_pos].len = 0;
    if (right.next >= 0) symbols[size_t(right.next)].prev = int32_t(top.pos);
    if (cur.prev >= 0) {
      if (const Merge* pm = merges.find(symbols[size_t(cur.prev)].id, cur.id)) {
        queue.push_back(QueueItem{pm->rank, uint32_t(cur.prev), pm->new_id});
        std::push_heap(queue.begin(), queue.end(), QueueOrder{});
      }
    }
    if (cur.next >= 0) {
      if (const Merge* nm = merges.find(cur.id, symbols[size_t(cur.next)].id)) {
        queue.push_back(QueueItem{nm->rank, top.pos, nm->new_id});
        std::push_heap(queue.begin(), queue.end(), QueueOrder{});
      }
    }
  }
  for (const Symbol& s : symbols)
    if (s.len > 0) out.push_back(s.id);
}

}  // namespace ragforge::tokenizer
