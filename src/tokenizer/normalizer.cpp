#include "tokenizer/normalizer.h"

#include <vector>

#include "tokenizer/json_util.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {
namespace {

using json_util::json;

class UnicodeForm final : public Normalizer {
 public:
  explicit UnicodeForm(unicode::NormalForm f) : form_(f) {}
  void normalize(std::string& s, bool&) const override { unicode::normalize(s, form_); }

 private:
  unicode::NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(std::string& s, bool&) const override { unicode::to_lowercase(s); }
};

class StripAccents final : public Normalizer {
 public:
  void normalize(std::string& s, bool& start_moved) const override {
    if (unicode::strip_accents(s) && !s.empty()) start_moved = true;
  }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& s, bool& start_moved) const override {
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
    s = s.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string p) : prepend_(std::move(p)) {}
  void normalize(std::string& s, bool&) const override {
    if (!s.empty()) s.insert(0, prepend_);  // HF leaves empty strings alone
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
    if (content_.empty()) {
      // Deleting a run of matches at the start moves it (unless nothing is left).
      size_t deleted = 0;
      for (const Span& sp : m) {
        if (sp.first != deleted) break;
        deleted = sp.second;
      }
      if (deleted > 0 && deleted < s.size()) start_moved = true;
    }
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

 private:
  Pattern pattern_;
  std::string content_;
};

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> n) : parts_(std::move(n)) {}
  void normalize(std::string& s, bool& start_moved) const override {
    for (const auto& n : parts_) n->normalize(s, start_moved);
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
