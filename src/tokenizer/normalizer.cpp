#include "tokenizer/normalizer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "tokenizer/json_util.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {
namespace {

using json_util::json;

bool is_ascii(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// When the character-wise result differs from the reference text (context-
// dependent mappings), the reference wins: characters map one to one when the
// counts agree, else every byte takes the span of the whole stretch.
void realign_to(AlignedText& s, std::string reference) {
  std::vector<size_t> starts, ref_starts;
  for (size_t i = 0; i < s.text.size(); i += unicode::char_len(static_cast<unsigned char>(s.text[i])))
    starts.push_back(i);
  for (size_t i = 0; i < reference.size(); i += unicode::char_len(static_cast<unsigned char>(reference[i])))
    ref_starts.push_back(i);
  std::vector<Offsets> align(reference.size());
  if (starts.size() == ref_starts.size()) {
    for (size_t k = 0; k < ref_starts.size(); ++k) {
      const size_t end = k + 1 < ref_starts.size() ? ref_starts[k + 1] : reference.size();
      for (size_t b = ref_starts[k]; b < end; ++b) align[b] = s.align[starts[k]];
    }
  } else {
    const Offsets whole = s.align.empty() ? Offsets{s.base, s.base}
                                          : Offsets{s.align.front().first, s.align.back().second};
    std::fill(align.begin(), align.end(), whole);
  }
  s.text = std::move(reference);
  s.align = std::move(align);
}

class UnicodeForm final : public Normalizer {
 public:
  explicit UnicodeForm(unicode::NormalForm f) : form_(f) {}
  void normalize(std::string& s, bool&) const override { unicode::normalize(s, form_); }
  void normalize_aligned(AlignedText& s, bool&) const override {
    if (unicode::is_normalized(s.text, form_)) return;
    std::string reference = s.text;
    unicode::normalize(reference, form_);
    const auto dest = unicode::normalize_with_changes(s.text, form_);
    transform_aligned(s, dest);
    if (s.text != reference) realign_to(s, std::move(reference));
  }

 private:
  unicode::NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(std::string& s, bool&) const override { unicode::to_lowercase(s); }
  // HF lowercases character by character: every character of a character's
  // lowercase form keeps that character's span.
  void normalize_aligned(AlignedText& s, bool&) const override {
    std::string reference = s.text;
    unicode::to_lowercase(reference);
    if (reference.size() == s.text.size() && is_ascii(s.text)) {
      s.text.swap(reference);  // ASCII: byte for byte
      return;
    }
    AlignedText out;
    out.base = s.base;
    std::string one;
    for (size_t i = 0; i < s.text.size();) {
      const size_t len = unicode::char_len(static_cast<unsigned char>(s.text[i]));
      one.assign(s.text, i, len);
      unicode::to_lowercase(one);
      out.text += one;
      out.align.resize(out.text.size(), s.align[i]);
      i += len;
    }
    s = std::move(out);
    if (s.text != reference) realign_to(s, std::move(reference));  // context-dependent forms (final sigma)
  }
};

class StripAccents final : public Normalizer {
 public:
  void normalize(std::string& s, bool& start_moved) const override {
    if (unicode::strip_accents(s) && !s.empty()) start_moved = true;
  }
  // HF's filter: the characters kept keep their spans.
  void normalize_aligned(AlignedText& s, bool& start_moved) const override {
    AlignedText out;
    out.base = s.base;
    bool first_dropped = false;
    for (size_t i = 0; i < s.text.size();) {
      size_t len;
      const char32_t c = unicode::decode(s.text, i, len);
      if (!unicode::is_combining_mark(c)) {
        out.text.append(s.text, i, len);
        out.align.insert(out.align.end(), s.align.begin() + std::ptrdiff_t(i),
                         s.align.begin() + std::ptrdiff_t(i + len));
      } else if (i == 0) {
        first_dropped = true;
      }
      i += len;
    }
    s = std::move(out);
    if (first_dropped && !s.text.empty()) start_moved = true;
  }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& s, bool& start_moved) const override {
    const auto [begin, end] = kept(s, start_moved);
    s = s.substr(begin, end - begin);
  }
  void normalize_aligned(AlignedText& s, bool& start_moved) const override {
    const auto [begin, end] = kept(s.text, start_moved);
    s.text = s.text.substr(begin, end - begin);
    s.align.erase(s.align.begin() + std::ptrdiff_t(end), s.align.end());
    s.align.erase(s.align.begin(), s.align.begin() + std::ptrdiff_t(begin));
  }

 private:
  std::pair<size_t, size_t> kept(const std::string& s, bool& start_moved) const {
    size_t begin = 0, end = s.size();
    if (left_) {
      while (begin < end) {
        size_t len;
        if (!unicode::is_whitespace(unicode::decode(s, begin, len))) break;
        begin += len;
      }
    }
    if (right_) {
      while (end > begin) {
        const size_t start = unicode::last_char_start(std::string_view(s).substr(0, end));
        size_t len;
        if (!unicode::is_whitespace(unicode::decode(s, start, len))) break;
        end = start;
      }
    }
    if (begin > 0 && end > begin) start_moved = true;
    return {begin, end};
  }

  bool left_, right_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string p) : prepend_(std::move(p)) {}
  void normalize(std::string& s, bool&) const override {
    if (!s.empty()) s.insert(0, prepend_);  // HF leaves empty strings alone
  }
  // The prepended text takes the first character's span.
  void normalize_aligned(AlignedText& s, bool&) const override {
    if (s.text.empty()) return;
    s.text.insert(0, prepend_);
    const Offsets first = s.align[0];
    s.align.insert(s.align.begin(), prepend_.size(), first);
  }

 private:
  std::string prepend_;
};

class Replace final : public Normalizer {
 public:
  Replace(Pattern p, std::string content) : pattern_(std::move(p)), content_(std::move(content)) {}
  void normalize(std::string& s, bool& start_moved) const override {
    std::vector<Span> m;
    pattern_.find_all(s, m);
    if (m.empty()) return;
    note_start_moved(s, m, start_moved);
    std::string out;
    out.reserve(s.size() + m.size() * content_.size());
    size_t prev = 0;
    for (const Span& sp : m) {
      out.append(s, prev, sp.first - prev);
      out += content_;
      prev = sp.second;
    }
    out.append(s, prev, std::string::npos);
    s.swap(out);
  }
  // HF removes each match and inserts the content: every byte of the content
  // takes the span of the match's last byte (a " " -> "▁" replacement maps 1:1).
  void normalize_aligned(AlignedText& s, bool& start_moved) const override {
    std::vector<Span> m;
    pattern_.find_all(s.text, m);
    if (m.empty()) return;
    note_start_moved(s.text, m, start_moved);
    AlignedText out;
    out.base = s.base;
    size_t prev = 0;
    for (const Span& sp : m) {
      out.text.append(s.text, prev, sp.first - prev);
      out.align.insert(out.align.end(), s.align.begin() + std::ptrdiff_t(prev),
                       s.align.begin() + std::ptrdiff_t(sp.first));
      out.text += content_;
      out.align.resize(out.text.size(), inserted_alignment(s, sp.second));
      prev = sp.second;
    }
    out.text.append(s.text, prev, std::string::npos);
    out.align.insert(out.align.end(), s.align.begin() + std::ptrdiff_t(prev), s.align.end());
    s = std::move(out);
  }

 private:
  void note_start_moved(const std::string& s, const std::vector<Span>& m, bool& start_moved) const {
    if (content_.empty()) {
      // Deleting a run of matches at the start moves it (unless nothing is left).
      size_t deleted = 0;
      for (const Span& sp : m) {
        if (sp.first != deleted) break;
        deleted = sp.second;
      }
      if (deleted > 0 && deleted < s.size()) start_moved = true;
    }
  }

  Pattern pattern_;
  std::string content_;
};

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> n) : parts_(std::move(n)) {}
  void normalize(std::string& s, bool& start_moved) const override {
    for (const auto& n : parts_) n->normalize(s, start_moved);
  }
  void normalize_aligned(AlignedText& s, bool& start_moved) const override {
    for (const auto& n : parts_) n->normalize_aligned(s, start_moved);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = json_util::type_of(j, where);
  if (type == "NFC") return std::make_unique<UnicodeForm>(unicode::NormalForm::NFC);
  if (type == "NFD") return std::make_unique<UnicodeForm>(unicode::NormalForm::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeForm>(unicode::NormalForm::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeForm>(unicode::NormalForm::NFKD);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "Strip")
    return std::make_unique<Strip>(json_util::get_bool_or(j, "strip_left", true, where),
                                   json_util::get_bool_or(j, "strip_right", true, where));
  if (type == "Prepend") return std::make_unique<Prepend>(json_util::get_string(j, "prepend", where));
  if (type == "Replace")
    return std::make_unique<Replace>(Pattern::from_json(json_util::field(j, "pattern", where), where),
                                     json_util::get_string(j, "content", where));
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> parts;
    const json& list = json_util::get_array(j, "normalizers", where);
    for (size_t i = 0; i < list.size(); ++i) {
      auto n = make_normalizer(list[i], where + ".normalizers[" + std::to_string(i) + "]");
      if (n) parts.push_back(std::move(n));
    }
    return std::make_unique<Sequence>(std::move(parts));
  }
  json_util::fail(where, "normalizer type '" + type + "' is not supported");
}

}  // namespace ragforge::tokenizer
