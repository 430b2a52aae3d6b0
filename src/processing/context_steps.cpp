// RAG-FiT's local_steps/context.py: ContextHandler turns retrieved
// documents ({title, content} mappings) into "title: content" strings, and
// DocumentsJoiner keeps the first k of them and joins them into one string.
#include "core/error.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

class ContextHandler : public LocalStep {
 public:
  ContextHandler(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : LocalStep(s, env),
        docs_key_(params().get_string("docs_key")),
        title_key_(params().get_string("title_key")),
        text_key_(params().get_string("text_key")) {}

  void process_item(Row& item, size_t, const std::string&) override {
    const Row& docs = require_key(item, docs_key_);
    if (!docs.is_array()) throw Error("'" + docs_key_ + "' is a " + python_type_name(docs) + ", not a list of documents");
    Row texts = Row::array();
    for (size_t i = 0; i < docs.size(); ++i) {
      const Row& doc = docs[i];
      if (!doc.is_object())
        throw Error("'" + docs_key_ + "[" + std::to_string(i) + "]' is a " + python_type_name(doc) +
                    ", not a document with '" + title_key_ + "' and '" + text_key_ + "'");
      auto title = doc.find(title_key_);
      auto text = doc.find(text_key_);
      if (title == doc.end() || text == doc.end())
        throw Error("'" + docs_key_ + "[" + std::to_string(i) + "]' has no '" +
                    (title == doc.end() ? title_key_ : text_key_) + "'; it has: " + key_list(doc) +
                    " (set title_key / text_key)");
      texts.push_back(python_str(*title) + ": " + python_str(*text));
    }
    item[docs_key_] = std::move(texts);
  }

 private:
  std::string docs_key_, title_key_, text_key_;
};

class DocumentsJoiner : public LocalStep {
 public:
  DocumentsJoiner(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : LocalStep(s, env), docs_key_(params().get_string("docs_key")), join_(params().get_string("join_string")) {
    if (params().has("k")) k_ = params().get_int("k");
  }

  void process_item(Row& item, size_t, const std::string&) override {
    const Row& value = require_key(item, docs_key_);
    auto docs = python_sequence(value);
    if (!docs) throw Error("'" + docs_key_ + "' is a " + python_type_name(value) + ", not a list of documents");
    std::string joined;
    const std::vector<Row> kept = python_prefix(std::move(*docs), k_);
    for (size_t i = 0; i < kept.size(); ++i) {
      if (!kept[i].is_string())
        throw Error("'" + docs_key_ + "[" + std::to_string(i) + "]' is a " + python_type_name(kept[i]) +
                    ", not a string; turn {title, content} documents into text first with a ContextHandler step");
      if (i) joined += join_;
      joined += kept[i].get_ref<const std::string&>();
    }
    item[docs_key_] = std::move(joined);
  }

 private:
  std::string docs_key_, join_;
  std::optional<int64_t> k_;
};

}  // namespace

std::vector<StepFactoryEntry> context_steps() {
  return {{"ContextHandler", make_as<ContextHandler>}, {"DocumentsJoiner", make_as<DocumentsJoiner>}};
}

}  // namespace ragforge::processing
