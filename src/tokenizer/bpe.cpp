#include "tokenizer/bpe.h"

#include <algorithm>
#include <cstdio>

#include "tokenizer/json_util.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {

namespace {

using json_util::json;

constexpr size_t kCacheCapacity = 1 << 17;  // words; the cache is cleared when full
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

// Word -> ids without allocating on look-up: an open-addressing table over
// one string arena and one id arena. Cleared when full.
class BpeModel::WordCache {
 public:
  WordCache() : slots_(kCacheCapacity * 2) {}

  static uint64_t hash(std::string_view w) { return hash_bytes(w); }

  bool find(std::string_view w, uint64_t h, std::vector<int32_t>& out) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.key_len == kEmpty) return false;
      if (s.hash == h && s.key_len == w.size() && keys_.compare(s.key_off, s.key_len, w.data(), w.size()) == 0) {
        out.insert(out.end(), ids_.begin() + std::ptrdiff_t(s.ids_off),
                   ids_.begin() + std::ptrdiff_t(s.ids_off + s.ids_len));
        return true;
      }
    }
  }

  void insert(std::string_view w, uint64_t h, const int32_t* ids, size_t n) {
    if (count_ >= kCacheCapacity) clear();
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key_len == kEmpty) {
        s = Slot{h, uint32_t(keys_.size()), uint32_t(w.size()), uint32_t(ids_.size()), uint32_t(n)};
        keys_.append(w.data(), w.size());
        ids_.insert(ids_.end(), ids, ids + n);
        ++count_;
        return;
      }
      if (s.hash == h && s.key_len == w.size() && keys_.compare(s.key_off, s.key_len, w.data(), w.size()) == 0)
        return;  // another thread got there first
    }
  }

 private:
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  struct Slot {
    uint64_t hash = 0;
    uint32_t key_off = 0, key_len = kEmpty, ids_off = 0, ids_len = 0;
  };
  void clear() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    keys_.clear();
    ids_.clear();
    count_ = 0;
  }
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<int32_t> ids_;
  size_t count_ = 0;
};

BpeModel::~BpeModel() = default;

BpeModel::BpeModel(const json& model, const std::string& where)
    : cache_(std::make_unique<WordCache>()) {
  const json& vocab = json_util::field(model, "vocab", where);
  if (!vocab.is_object()) json_util::fail(where, "'vocab' must be an object of token -> id");
  std::vector<std::pair<const std::string*, int32_t>> entries;
  entries.reserve(vocab.size());
  int32_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const json& v = it.value();
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
      json_util::fail(where, "vocab id of '" + it.key() + "' must be a non-negative integer");
    const auto id = v.get<int32_t>();
    entries.emplace_back(&it.key(), id);
    max_id = std::max(max_id, id);
  }
  if (max_id >= (int32_t{1} << 26))
    json_util::fail(where, "vocab id " + std::to_string(max_id) + " is too large (ids must be below 2^26)");
  id_to_token_.resize(size_t(max_id + 1));
  has_id_.assign(size_t(max_id + 1), false);
  vocab_.reserve(entries.size());
  for (const auto& [key, id] : entries) {
    if (has_id_[size_t(id)]) {
      extra_keys_.push_back(*key);
      vocab_.insert(extra_keys_.back(), id);
      continue;
    }
    id_to_token_[size_t(id)] = *key;
    has_id_[size_t(id)] = true;
    vocab_.insert(id_to_token_[size_t(id)], id);
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
    const int32_t id = vocab_.find(unk);
    if (id < 0) json_util::fail(where, "unk_token '" + unk + "' is not in the vocab");
    unk_id_ = id;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_fallback_ids_[size_t(b)] = vocab_.find(name);
  }

  const json& merges = json_util::get_array(model, "merges", where);
  merges_ = std::make_unique<MergeTable>(merges.size());
  const size_t prefix_len = continuing_subword_prefix_.size();
  std::string a, b, merged;
  const std::string marker = "\xE2\x96\x81";  // ▁
  bool marker_safe = vocab_.find(marker) >= 0 && prefix_len == 0 && end_of_word_suffix_.empty() && !ignore_merges_;
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
    const int32_t ia = vocab_.find(a), ib = vocab_.find(b);
    if (ia < 0 || ib < 0)
      json_util::fail(where, "merges[" + std::to_string(rank) + "]: token '" + (ia < 0 ? a : b) +
                                 "' is not in the vocab");
    merged = a;
    merged.append(b, std::min(prefix_len, b.size()), std::string::npos);
    const int32_t im = vocab_.find(merged);
    if (im < 0)
      json_util::fail(where, "merges[" + std::to_string(rank) + "]: merged token '" + merged + "' is not in the vocab");
    merges_->insert(ia, ib, Merge{uint32_t(rank), im});
    if (marker_safe && b.compare(0, marker.size(), marker) == 0 &&
        !(a.size() >= marker.size() && a.compare(a.size() - marker.size(), marker.size(), marker) == 0))
      marker_safe = false;
  }
  if (marker_safe) chunk_marker_ = marker;
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const int32_t id = vocab_.find(token);
  if (id < 0) return std::nullopt;
  return id;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || size_t(id) >= id_to_token_.size() || !has_id_[size_t(id)]) return nullptr;
  return &id_to_token_[size_t(id)];
}

namespace {
// Calls part() on the pieces of `word` cut before every `marker` that follows
// a character other than the marker itself (see chunk_marker_); on the whole
// word when the marker is empty.
template <typename Part>
void for_each_chunk(std::string_view word, const std::string& marker, Part&& part) {
  if (marker.empty()) return part(word);
  const std::string& m = marker;
  size_t start = 0;
  for (size_t pos = word.find(m, 1); pos != std::string_view::npos; pos = word.find(m, pos + m.size())) {
    const bool after_marker = pos >= start + m.size() && word.compare(pos - m.size(), m.size(), m) == 0;
    if (!after_marker) {
      part(word.substr(start, pos - start));
      start = pos;
    }
  }
  part(word.substr(start));
}
}  // namespace

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const int32_t id = vocab_.find(word); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  for_each_chunk(word, chunk_marker_, [&](std::string_view part) { tokenize_cached(part, out); });
}

void BpeModel::tokenize_cached(std::string_view word, std::vector<int32_t>& out) const {
  const bool cacheable = word.size() < kMaxCachedWordBytes;
  const uint64_t h = cacheable ? WordCache::hash(word) : 0;
  if (cacheable) {
    std::unique_lock<std::mutex> lock(cache_mutex_, std::try_to_lock);
    if (lock.owns_lock() && cache_->find(word, h, out)) return;
  }
  const size_t before = out.size();
  merge_word<false>(word, out, nullptr);
  if (cacheable) {
    std::unique_lock<std::mutex> lock(cache_mutex_, std::try_to_lock);
    if (lock.owns_lock()) cache_->insert(word, h, out.data() + before, out.size() - before);
  }
}

void BpeModel::tokenize_with_lengths(std::string_view word, std::vector<int32_t>& out,
                                     std::vector<uint32_t>& lens) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const int32_t id = vocab_.find(word); id >= 0) {
      out.push_back(id);
      lens.push_back(uint32_t(word.size()));
      return;
    }
  }
  for_each_chunk(word, chunk_marker_, [&](std::string_view part) { tokenize_cached_lengths(part, out, lens); });
}

void BpeModel::tokenize_cached_lengths(std::string_view word, std::vector<int32_t>& out,
                                       std::vector<uint32_t>& lens) const {
  const bool cacheable = word.size() < kMaxCachedWordBytes;
  const uint64_t h = cacheable ? WordCache::hash(word) : 0;
  thread_local std::vector<int32_t> entry;
  if (cacheable) {
    entry.clear();
    std::unique_lock<std::mutex> lock(lengths_cache_mutex_, std::try_to_lock);
    if (lock.owns_lock() && !lengths_cache_) lengths_cache_ = std::make_unique<WordCache>();  // on first use
    if (lock.owns_lock() && lengths_cache_->find(word, h, entry)) {
      const size_t n = entry.size() / 2;
      out.insert(out.end(), entry.begin(), entry.begin() + std::ptrdiff_t(n));
      for (size_t i = n; i < entry.size(); ++i) lens.push_back(uint32_t(entry[i]));
      return;
    }
  }
  const size_t before = out.size();
  merge_word<true>(word, out, &lens);
  if (cacheable) {
    const size_t n = out.size() - before;
    entry.assign(out.begin() + std::ptrdiff_t(before), out.end());
    for (size_t i = lens.size() - n; i < lens.size(); ++i) entry.push_back(int32_t(lens[i]));
    std::unique_lock<std::mutex> lock(lengths_cache_mutex_, std::try_to_lock);
    if (lock.owns_lock() && lengths_cache_) lengths_cache_->insert(word, h, entry.data(), entry.size());
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

template <bool kLengths>
void BpeModel::merge_word(std::string_view w, std::vector<int32_t>& out, std::vector<uint32_t>* lens) const {
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
    if (const int32_t id = vocab_.find(s); id >= 0) {
      if (unk_id >= 0) {
        add(unk_id, unk_len);
        unk_id = -1;
      }
      add(id, uint32_t(len));
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
  for (const Symbol& s : symbols) {
    if (s.len == 0) continue;
    out.push_back(s.id);
    if constexpr (kLengths) lens->push_back(s.len);
  }
}

}  // namespace ragforge::tokenizer
