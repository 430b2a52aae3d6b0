// The tokenizer of the CLaRa golden (tests/data/golden/recipes/clara/model):
// transformers' ByT5 (id = UTF-8 byte + 3; pad 0, eos 1, unk 2, <s> 259) plus
// the original's added tokens, which the golden folder holds only as Python
// tokenizer files. Shared by the CLaRa tests that compare with it.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "data/clara_layout.h"

namespace ragforge::testing {

inline const std::vector<std::pair<std::string, int64_t>>& byt5_added_tokens() {
  static const std::vector<std::pair<std::string, int64_t>> added = {
      {"<pad>", 0},    {"</s>", 1},     {"<unk>", 2},    {"<s>", 259},
      {"<MEM0>", 260}, {"<MEM1>", 261}, {"<MEM2>", 262}, {"<MEM3>", 263},
      {"<AE>", 264},   {"<ENC>", 265},  {"<SEP>", 266}};
  return added;
}

// Added tokens by exact match, else UTF-8 byte + 3.
inline std::vector<int64_t> byt5_encode(const std::string& text) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < text.size();) {
    bool hit = false;
    for (const auto& [s, id] : byt5_added_tokens())
      if (text.compare(i, s.size(), s) == 0) {
        out.push_back(id), i += s.size(), hit = true;
        break;
      }
    if (!hit) out.push_back(static_cast<unsigned char>(text[i++]) + 3);
  }
  return out;
}

// Bytes only: special and added tokens are skipped.
inline std::string byt5_decode(const std::vector<int64_t>& ids) {
  std::string s;
  for (auto id : ids)
    if (id >= 3 && id < 259) s += static_cast<char>(id - 3);
  return s;
}

inline data::ClaraTokens byt5_clara_tokens() {
  data::ClaraTokens t;
  t.mem = {260, 261, 262, 263};
  t.ae = 264, t.enc = 265, t.sep = 266, t.bos = 259, t.eos = 1, t.pad = 0;
  return t;
}

}  // namespace ragforge::testing
