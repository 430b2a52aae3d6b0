#include "tokenizer/post_processor.h"

#include <algorithm>

#include "tokenizer/json_util.h"
#include "tokenizer/unicode.h"

namespace ragforge::tokenizer {
namespace {

using json_util::json;

// A sequence of special tokens and "the sequence" placeholders.
class Template final : public PostProcessor {
 public:
  struct Item {
    bool is_sequence = false;
    std::vector<int32_t> ids;
    std::vector<std::string> tokens;
  };
  explicit Template(std::vector<Item> items) : items_(std::move(items)) {}

  size_t added_tokens() const override {
    size_t n = 0;
    for (const Item& it : items_) n += it.ids.size();
    return n;
  }
  void process(TokenSequence& seq) const override {
    TokenSequence out;
    out.with_offsets = seq.with_offsets;
    for (const Item& it : items_) {
      if (it.is_sequence) {
        out.ids.insert(out.ids.end(), seq.ids.begin(), seq.ids.end());
        out.tokens.insert(out.tokens.end(), seq.tokens.begin(), seq.tokens.end());
        out.special_tokens_mask.insert(out.special_tokens_mask.end(), seq.special_tokens_mask.begin(),
                                       seq.special_tokens_mask.end());
        if (seq.with_offsets) out.offsets.insert(out.offsets.end(), seq.offsets.begin(), seq.offsets.end());
      } else {
        out.ids.insert(out.ids.end(), it.ids.begin(), it.ids.end());
        out.tokens.insert(out.tokens.end(), it.tokens.begin(), it.tokens.end());
        out.special_tokens_mask.insert(out.special_tokens_mask.end(), it.ids.size(), 1);
        if (seq.with_offsets) out.offsets.insert(out.offsets.end(), it.ids.size(), {0, 0});
      }
    }
    seq = std::move(out);
  }

 private:
  std::vector<Item> items_;
};

// ByteLevel (and RobertaProcessing's trim_offsets): no ids, only offsets.
class TrimOffsets final : public PostProcessor {
 public:
  TrimOffsets(bool trim, bool add_prefix_space) : trim_(trim), add_prefix_space_(add_prefix_space) {}
  size_t added_tokens() const override { return 0; }
  void process(TokenSequence&) const override {}
  bool trims_offsets() const override { return trim_; }
  void trim_offsets(TokenSequence& seq) const override {
    if (!trim_ || !seq.with_offsets || seq.tokens.size() != seq.offsets.size()) return;
    for (size_t i = 0; i < seq.offsets.size(); ++i) {
      const std::string& token = seq.tokens[i];
      auto& [start, end] = seq.offsets[i];
      std::vector<char32_t> chars;
      for (size_t k = 0; k < token.size();) {
        size_t len;
        chars.push_back(unicode::decode(token, k, len));
        k += len;
      }
      auto space = [](char32_t c) { return c == 0x120 || unicode::is_whitespace(c); };  // 'Ġ' is the space byte
      size_t leading = 0, trailing = 0;
      while (leading < chars.size() && space(chars[leading])) ++leading;
      while (trailing < chars.size() && space(chars[chars.size() - 1 - trailing])) ++trailing;
      if (leading > 0) {
        const bool is_first = i == 0 || start == 0;
        if (is_first && add_prefix_space_ && leading == 1) leading = 0;  // the space it added stays
        start = std::min(start + leading, end);
      }
      if (trailing > 0 && end >= trailing) end = std::max(end - trailing, start);
    }
  }

 private:
  bool trim_, add_prefix_space_;
};

class Sequence final : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
  size_t added_tokens() const override {
    size_t n = 0;
    for (const auto& p : parts_) n += p->added_tokens();
    return n;
  }
  void process(TokenSequence& seq) const override {
    for (const auto& p : parts_) p->process(seq);
  }
  bool trims_offsets() const override {
    for (const auto& p : parts_)
      if (p->trims_offsets()) return true;
    return false;
  }
  void trim_offsets(TokenSequence& seq) const override {
    for (const auto& p : parts_) p->trim_offsets(seq);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

std::unique_ptr<PostProcessor> make_template(const json& j, const std::string& where) {
  const json& single = json_util::field(j, "single", where);
  if (!single.is_array()) json_util::fail(where, "'single' must be a list of SpecialToken/Sequence items");
  const json& specials = json_util::field(j, "special_tokens", where);
  std::vector<Template::Item> items;
  for (size_t i = 0; i < single.size(); ++i) {
    const std::string w = where + ".single[" + std::to_string(i) + "]";
    const json& entry = single[i];
    Template::Item item;
    if (entry.is_object() && entry.contains("Sequence")) {
      const std::string seq = json_util::get_string(entry["Sequence"], "id", w);
      if (seq != "A") json_util::fail(w, "the single template may only use sequence 'A', got '" + seq + "'");
      item.is_sequence = true;
    } else if (entry.is_object() && entry.contains("SpecialToken")) {
      const std::string name = json_util::get_string(entry["SpecialToken"], "id", w);
      if (!specials.is_object() || !specials.contains(name))
        json_util::fail(w, "special token '" + name + "' is not in 'special_tokens'");
      const json& sp = specials[name];
      const json& ids = json_util::get_array(sp, "ids", w);
      const json& toks = json_util::get_array(sp, "tokens", w);
      if (ids.size() != toks.size()) json_util::fail(w, "special token '" + name + "' has unequal ids and tokens");
      for (size_t k = 0; k < ids.size(); ++k) {
        if (!ids[k].is_number_integer() || !toks[k].is_string())
          json_util::fail(w, "special token '" + name + "' needs integer ids and string tokens");
        item.ids.push_back(ids[k].get<int32_t>());
        item.tokens.push_back(toks[k].get<std::string>());
      }
    } else {
      json_util::fail(w, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}, got " + entry.dump());
    }
    items.push_back(std::move(item));
  }
  return std::make_unique<Template>(std::move(items));
}

// RobertaProcessing / BertProcessing: cls A sep, with "cls"/"sep" as [token, id].
// RobertaProcessing trims offsets unless told otherwise; BertProcessing never does.
std::unique_ptr<PostProcessor> make_cls_sep(const json& j, bool roberta, const std::string& where) {
  auto pair = [&](const char* key) {
    const json& p = json_util::field(j, key, where);
    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_number_integer())
      json_util::fail(where, std::string("'") + key + "' must be [token, id]");
    Template::Item item;
    item.tokens.push_back(p[0].get<std::string>());
    item.ids.push_back(p[1].get<int32_t>());
    return item;
  };
  std::vector<Template::Item> items;
  items.push_back(pair("cls"));
  Template::Item seq;
  seq.is_sequence = true;
  items.push_back(seq);
  items.push_back(pair("sep"));
  auto tmpl = std::make_unique<Template>(std::move(items));
  const bool trim = roberta && json_util::get_bool_or(j, "trim_offsets", true, where);
  if (!trim) return tmpl;
  std::vector<std::unique_ptr<PostProcessor>> parts;
  parts.push_back(std::make_unique<TrimOffsets>(true, json_util::get_bool_or(j, "add_prefix_space", true, where)));
  parts.push_back(std::move(tmpl));
  return std::make_unique<Sequence>(std::move(parts));
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = json_util::type_of(j, where);
  if (type == "TemplateProcessing") return make_template(j, where);
  if (type == "ByteLevel")
    return std::make_unique<TrimOffsets>(json_util::get_bool_or(j, "trim_offsets", true, where),
                                         json_util::get_bool_or(j, "add_prefix_space", true, where));
  if (type == "RobertaProcessing" || type == "BertProcessing") return make_cls_sep(j, type == "RobertaProcessing", where);
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> parts;
    const json& list = json_util::get_array(j, "processors", where);
    for (size_t i = 0; i < list.size(); ++i) {
      auto p = make_post_processor(list[i], where + ".processors[" + std::to_string(i) + "]");
      if (p) parts.push_back(std::move(p));
    }
    return std::make_unique<Sequence>(std::move(parts));
  }
  json_util::fail(where, "post_processor type '" + type + "' is not supported");
}

}  // namespace ragforge::tokenizer
