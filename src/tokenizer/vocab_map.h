// A flat open-addressing map from token strings (views into storage the
// owner keeps alive) to ids: faster to build and probe than
// std::unordered_map for the 100k+ entries of a vocabulary.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace ragforge::tokenizer {

inline uint64_t hash_bytes(std::string_view w) {
  uint64_t h = 0xcbf29ce484222325ULL ^ (w.size() * 0x9E3779B97F4A7C15ULL);
  size_t i = 0;
  for (; i + 8 <= w.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, w.data() + i, 8);
    h = (h ^ v) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  for (; i < w.size(); ++i) h = (h ^ static_cast<unsigned char>(w[i])) * 0x100000001b3ULL;
  h ^= h >> 32;
  return h * 0x9E3779B97F4A7C15ULL;
}

class VocabMap {
 public:
  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }
  // Inserts or overwrites. `key` must outlive the map.
  void insert(std::string_view key, int32_t id) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const uint64_t h = hash_bytes(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s = Slot{h, key, id};
        ++size_;
        return;
      }
      if (s.hash == h && s.key == key) {
        s.id = id;
        return;
      }
    }
  }
  // The id of `key`, or -1.
  int32_t find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash_bytes(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.hash == h && s.key == key) return s.id;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    std::string_view key;
    int32_t id = -1;
  };
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    const size_t n = size_;
    reserve(old.empty() ? 8 : old.size());
    size_ = 0;
    for (const Slot& s : old)
      if (s.id >= 0) insert(s.key, s.id);
    (void)n;
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
};

}  // namespace ragforge::tokenizer
