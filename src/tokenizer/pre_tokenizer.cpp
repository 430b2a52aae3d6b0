#include "tokenizer/pre_tokenizer.h"

#include <algorithm>
#include <functional>
#include <type_traits>

#include "tokenizer/byte_level.h"
#include "tokenizer/json_util.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {
namespace {

using json_util::json;

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior parse_behavior(const json& j, const char* key, Behavior dflt, const std::string& where) {
  const std::string b = json_util::get_string_or(j, key, "", where);
  if (b.empty()) return dflt;
  if (b == "Removed") return Behavior::Removed;
  if (b == "Isolated") return Behavior::Isolated;
  if (b == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (b == "MergedWithNext") return Behavior::MergedWithNext;
  if (b == "Contiguous") return Behavior::Contiguous;
  json_util::fail(where, "split behavior '" + b + "' is not supported");
}

struct Mark {
  Span span;
  bool is_match;
};

// HF's NormalizedString::split: `matches` must be sorted and disjoint.
template <class P>
void split_piece(const P& piece, const std::vector<Span>& matches, bool invert, Behavior behavior,
                 std::vector<P>& out) {
  const std::string& text = piece.text;
  std::vector<Mark> marks;
  marks.reserve(matches.size() * 2 + 1);
  size_t prev = 0;
  for (const Span& m : matches) {
    if (prev < m.first) marks.push_back({{prev, m.first}, invert});
    marks.push_back({m, !invert});
    prev = m.second;
  }
  if (prev < text.size()) marks.push_back({{prev, text.size()}, invert});
  if (text.empty()) marks.push_back({{0, 0}, invert});

  std::vector<Span> spans;
  spans.reserve(marks.size());
  switch (behavior) {
    case Behavior::Isolated:
      for (const Mark& m : marks) spans.push_back(m.span);
      break;
    case Behavior::Removed:
      for (const Mark& m : marks)
        if (!m.is_match) spans.push_back(m.span);
      break;
    case Behavior::MergedWithPrevious: {
      bool previous_match = false;
      for (const Mark& m : marks) {
        if (m.is_match && !previous_match && !spans.empty())
          spans.back().second = m.span.second;
        else
          spans.push_back(m.span);
        previous_match = m.is_match;
      }
      break;
    }
    case Behavior::MergedWithNext: {
      bool previous_match = false;
      for (auto it = marks.rbegin(); it != marks.rend(); ++it) {
        if (it->is_match && !previous_match && !spans.empty())
          spans.back().first = it->span.first;
        else
          spans.push_back(it->span);
        previous_match = it->is_match;
      }
      std::reverse(spans.begin(), spans.end());
      break;
    }
    case Behavior::Contiguous: {
      bool previous_match = false;
      for (const Mark& m : marks) {
        if (m.is_match == previous_match && !spans.empty())
          spans.back().second = m.span.second;
        else
          spans.push_back(m.span);
        previous_match = m.is_match;
      }
      break;
    }
  }
  for (const Span& s : spans) {
    if (s.second <= s.first) continue;
    if constexpr (std::is_same_v<P, AlignedPiece>) {
      out.emplace_back();
      out.back().text = text.substr(s.first, s.second - s.first);
      out.back().at_origin = piece.at_origin && s.first == 0;
      out.back().align.assign(piece.align.begin() + std::ptrdiff_t(s.first),
                              piece.align.begin() + std::ptrdiff_t(s.second));
    } else {
      out.push_back({text.substr(s.first, s.second - s.first), piece.at_origin && s.first == 0});
    }
  }
}

// Applies `fn(piece, out)` to every piece.
template <class P, typename Fn>
void split_all(std::vector<P>& pieces, Fn&& fn) {
  thread_local std::vector<P> out;  // keeps its capacity between calls
  out.clear();
  size_t bytes = 0;
  for (const P& p : pieces) bytes += p.text.size();
  out.reserve(bytes / 3 + pieces.size() + 4);
  for (P& p : pieces) fn(p, out);
  pieces.swap(out);
  out.clear();
}

// Each character matching `pred` is one match.
void char_matches(const std::string& text, const std::function<bool(char32_t)>& pred, std::vector<Span>& out) {
  for (size_t i = 0; i < text.size();) {
    size_t len;
    const char32_t c = unicode::decode(text, i, len);
    if (pred(c)) out.emplace_back(i, i + len);
    i += len;
  }
}

// Every pre-tokenizer runs one template for both piece types.
#define RAGFORGE_PRE_TOKENIZE_BOTH                                                          \
  void pre_tokenize(std::vector<Piece>& pieces) const override { run(pieces); }           \
  void pre_tokenize(std::vector<AlignedPiece>& pieces) const override { run(pieces); }

template <class P>
constexpr bool kAligned = std::is_same_v<P, AlignedPiece>;

class Split final : public PreTokenizer {
 public:
  Split(Pattern p, Behavior b, bool invert) : pattern_(std::move(p)), behavior_(b), invert_(invert) {}
  RAGFORGE_PRE_TOKENIZE_BOTH

 private:
  template <class P>
  void run(std::vector<P>& pieces) const {
    std::vector<Span> m;
    split_all(pieces, [&](const P& p, std::vector<P>& out) {
      m.clear();
      pattern_.find_all(p.text, m);
      split_piece(p, m, invert_, behavior_, out);
    });
  }

  Pattern pattern_;
  Behavior behavior_;
  bool invert_;
};

class CharSplit final : public PreTokenizer {
 public:
  CharSplit(std::function<bool(char32_t)> pred, Behavior b) : pred_(std::move(pred)), behavior_(b) {}
  RAGFORGE_PRE_TOKENIZE_BOTH

 private:
  template <class P>
  void run(std::vector<P>& pieces) const {
    std::vector<Span> m;
    split_all(pieces, [&](const P& p, std::vector<P>& out) {
      m.clear();
      char_matches(p.text, pred_, m);
      split_piece(p, m, false, behavior_, out);
    });
  }

  std::function<bool(char32_t)> pred_;
  Behavior behavior_;
};

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex, const std::string& where)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {
    if (use_regex_)
      regex_ = Pattern::regex(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)",
                              where);
  }
  RAGFORGE_PRE_TOKENIZE_BOTH

 private:
  template <class P>
  void run(std::vector<P>& pieces) const {
    if (add_prefix_space_)
      for (P& p : pieces)
        if (p.text.empty() || p.text[0] != ' ') {
          p.text.insert(0, 1, ' ');
          if constexpr (kAligned<P>) {
            const Offsets first = p.align.empty() ? Offsets{0, 0} : p.align[0];  // the first character's span
            p.align.insert(p.align.begin(), first);
          }
        }
    if (use_regex_) {
      std::vector<Span> m;
      split_all(pieces, [&](const P& p, std::vector<P>& out) {
        m.clear();
        regex_.find_all(p.text, m);
        split_piece(p, m, false, Behavior::Isolated, out);
      });
    }
    std::string mapped;
    for (P& p : pieces) {
      mapped.clear();
      if constexpr (kAligned<P>) {
        // Every byte becomes a character with that byte's (its character's) span.
        std::vector<Offsets> mapped_align;
        const auto& table = byte_level::byte_to_char();
        for (size_t i = 0; i < p.text.size(); ++i) {
          mapped += table[static_cast<unsigned char>(p.text[i])];
          mapped_align.resize(mapped.size(), p.align[i]);
        }
        p.align.swap(mapped_align);
      } else {
        byte_level::encode(p.text, mapped);
      }
      p.text.swap(mapped);
    }
  }

  bool add_prefix_space_, use_regex_;
  Pattern regex_;
};

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  RAGFORGE_PRE_TOKENIZE_BOTH

 private:
  template <class P>
  void run(std::vector<P>& pieces) const {
    std::vector<Span> m;
    split_all(pieces, [&](P& p, std::vector<P>& out) {
      std::string t;
      t.reserve(p.text.size() + replacement_.size());
      [[maybe_unused]] std::vector<Offsets> a;
      for (size_t i = 0; i < p.text.size(); ++i) {
        const char c = p.text[i];
        if (c == ' ')
          t += replacement_;
        else
          t += c;
        if constexpr (kAligned<P>) a.resize(t.size(), p.align[i]);  // the replacement takes the space's span
      }
      const bool starts = t.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts && (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && p.at_origin))) {
        t.insert(0, replacement_);
        if constexpr (kAligned<P>) {
          const Offsets first = a.empty() ? Offsets{0, 0} : a[0];  // the first character's span
          a.insert(a.begin(), replacement_.size(), first);
        }
      }
      p.text.swap(t);
      if constexpr (kAligned<P>) p.align.swap(a);
      if (!split_) {
        if (!p.text.empty()) out.push_back(std::move(p));
        return;
      }
      m.clear();
      for (size_t pos = p.text.find(replacement_); pos != std::string::npos;
           pos = p.text.find(replacement_, pos + replacement_.size()))
        m.emplace_back(pos, pos + replacement_.size());
      split_piece(p, m, false, Behavior::MergedWithNext, out);
    });
  }

  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  RAGFORGE_PRE_TOKENIZE_BOTH

 private:
  template <class P>
  void run(std::vector<P>& pieces) const {
    for (const auto& p : parts_) p->pre_tokenize(pieces);
  }

  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

#undef RAGFORGE_PRE_TOKENIZE_BOTH

std::string single_char(const json& j, const char* key, const std::string& dflt, const std::string& where) {
  std::string s = json_util::get_string_or(j, key, dflt, where);
  size_t len = 0;
  if (s.empty() || !unicode::is_valid_utf8(s) || (unicode::decode(s, 0, len), len != s.size()))
    json_util::fail(where, std::string("'") + key + "' must be a single character");
  return s;
}

}  // namespace

PrependScheme parse_prepend_scheme(const json& j, const std::string& where) {
  if (auto it = j.find("prepend_scheme"); it != j.end() && !it->is_null()) {
    const std::string s = json_util::get_string(j, "prepend_scheme", where);
    if (s == "always") return PrependScheme::Always;
    if (s == "first") return PrependScheme::First;
    if (s == "never") return PrependScheme::Never;
    json_util::fail(where, "prepend_scheme '" + s + "' is not supported (always, first or never)");
  }
  return json_util::get_bool_or(j, "add_prefix_space", true, where) ? PrependScheme::Always : PrependScheme::Never;
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = json_util::type_of(j, where);
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(json_util::get_bool_or(j, "add_prefix_space", true, where),
                                       json_util::get_bool_or(j, "use_regex", true, where), where);
  if (type == "Split")
    return std::make_unique<Split>(Pattern::from_json(json_util::field(j, "pattern", where), where),
                                   parse_behavior(j, "behavior", Behavior::Isolated, where),
                                   json_util::get_bool_or(j, "invert", false, where));
  if (type == "Digits")
    return std::make_unique<CharSplit>(
        unicode::is_numeric,
        json_util::get_bool_or(j, "individual_digits", false, where) ? Behavior::Isolated : Behavior::Contiguous);
  if (type == "Metaspace")
    return std::make_unique<Metaspace>(single_char(j, "replacement", "\xE2\x96\x81", where),
                                       parse_prepend_scheme(j, where), json_util::get_bool_or(j, "split", true, where));
  if (type == "Whitespace")
    return std::make_unique<Split>(Pattern::regex(R"(\w+|[^\w\s]+)", where), Behavior::Removed, true);
  if (type == "WhitespaceSplit") return std::make_unique<CharSplit>(unicode::is_whitespace, Behavior::Removed);
  if (type == "Punctuation")
    return std::make_unique<CharSplit>(unicode::is_punctuation,
                                       parse_behavior(j, "behavior", Behavior::Isolated, where));
  if (type == "BertPreTokenizer") {
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    parts.push_back(std::make_unique<CharSplit>(unicode::is_whitespace, Behavior::Removed));
    parts.push_back(std::make_unique<CharSplit>(unicode::is_punctuation, Behavior::Isolated));
    return std::make_unique<Sequence>(std::move(parts));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    const json& list = json_util::get_array(j, "pretokenizers", where);
    for (size_t i = 0; i < list.size(); ++i) {
      auto p = make_pre_tokenizer(list[i], where + ".pretokenizers[" + std::to_string(i) + "]");
      if (p) parts.push_back(std::move(p));
    }
    return std::make_unique<Sequence>(std::move(parts));
  }
  json_util::fail(where, "pre_tokenizer type '" + type + "' is not supported");
}

}  // namespace ragforge::tokenizer
