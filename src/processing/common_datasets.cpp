// RAG-FiT's local_steps/common_datasets.py: per-dataset normalizers that give
// every dataset the same scheme (`query`, `answers`, `positive_passages`).
// Each reads the dataset's own keys as its HF export has them; a missing key
// is an error naming it.
#include "core/error.h"
#include "processing/normalize_text.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

const Row& require_list(const Row& item, const std::string& key) {
  const Row& v = require_key(item, key);
  if (!v.is_array()) throw Error("'" + key + "' is a " + python_type_name(v) + ", not a list");
  return v;
}

// Copies, so that `item["x"] = value_of(item, "y")` never reads an entry the
// assignment has moved.
Row value_of(const Row& item, const std::string& key) { return require_key(item, key); }

Row require_in(const Row& parent, const std::string& parent_key, const std::string& key) {
  if (!parent.is_object())
    throw Error("'" + parent_key + "' is a " + python_type_name(parent) + ", not a mapping with '" + key + "'");
  auto it = parent.find(key);
  if (it == parent.end()) throw Error("'" + parent_key + "' has no key '" + key + "'; it has: " + key_list(parent));
  return *it;
}

// SQuAD 1.1/2.0: answers = answers.text, query = question.
class Squad : public LocalStep {
 public:
  using LocalStep::LocalStep;
  void process_item(Row& item, size_t, const std::string&) override {
    Row answers = require_in(require_key(item, "answers"), "answers", "text");
    item["answers"] = std::move(answers);
    item["query"] = value_of(item, "question");
  }
};

// ASQA: answer-long = the annotations' long answers (also `answers`),
// answer-short = each qa_pair's short answers, normalized (a list of
// lists), query = ambiguous_question.
class ASQA : public LocalStep {
 public:
  using LocalStep::LocalStep;
  void process_item(Row& item, size_t, const std::string&) override {
    Row long_answers = Row::array();
    for (const Row& ann : require_list(item, "annotations")) long_answers.push_back(require_in(ann, "annotations[]", "long_answer"));
    Row short_answers = Row::array();
    for (const Row& qa : require_list(item, "qa_pairs")) {
      const Row answers = require_in(qa, "qa_pairs[]", "short_answers");
      if (!answers.is_array()) throw Error("'qa_pairs[].short_answers' is a " + python_type_name(answers) + ", not a list");
      Row normalized = Row::array();
      for (const Row& a : answers) {
        if (!a.is_string()) throw Error("a short answer is a " + python_type_name(a) + ", not a string");
        normalized.push_back(normalize_text(a.get<std::string>()));
      }
      short_answers.push_back(std::move(normalized));
    }
    item["answer-long"] = long_answers;
    item["answer-short"] = std::move(short_answers);
    item["answers"] = std::move(long_answers);
    item["query"] = value_of(item, "ambiguous_question");
  }
};

// HotpotQA: answers = [answer], query = question, positive_passages = one
// "title: sentences" string per context paragraph.
class HotPot : public LocalStep {
 public:
  using LocalStep::LocalStep;
  void process_item(Row& item, size_t, const std::string&) override {
    item["answers"] = Row::array({value_of(item, "answer")});
    item["query"] = value_of(item, "question");
    const Row& context = require_key(item, "context");
    const Row titles = require_in(context, "context", "title");
    const Row sentences = require_in(context, "context", "sentences");
    if (!titles.is_array() || !sentences.is_array()) throw Error("'context.title' and 'context.sentences' must be lists");
    Row docs = Row::array();
    for (size_t i = 0; i < std::min(titles.size(), sentences.size()); ++i) {  // Python's zip
      std::string text;
      const auto lines = python_sequence(sentences[i]);
      if (!lines) throw Error("'context.sentences[" + std::to_string(i) + "]' is not a list of strings");
      for (const Row& line : *lines) {
        if (!line.is_string()) throw Error("'context.sentences[" + std::to_string(i) + "]' holds a non-string");
        text += line.get<std::string>();
      }
      docs.push_back(python_str(titles[i]) + ": " + text);
    }
    item["positive_passages"] = std::move(docs);
  }
};

// ARC-Challenge: query = question, options = choices.text, answers = answerKey.
class ARCC : public LocalStep {
 public:
  using LocalStep::LocalStep;
  void process_item(Row& item, size_t, const std::string&) override {
    item["query"] = value_of(item, "question");
    item["options"] = require_in(require_key(item, "choices"), "choices", "text");
    item["answers"] = value_of(item, "answerKey");
  }
};

// PubMedQA: query = QUESTION, answers = [final_decision], positive_passages = CONTEXTS.
class PubMed : public LocalStep {
 public:
  using LocalStep::LocalStep;
  void process_item(Row& item, size_t, const std::string&) override {
    item["query"] = value_of(item, "QUESTION");
    item["answers"] = Row::array({value_of(item, "final_decision")});
    item["positive_passages"] = value_of(item, "CONTEXTS");
  }
};

}  // namespace

std::vector<StepFactoryEntry> common_dataset_steps() {
  return {{"Squad", make_as<Squad>},
          {"ASQA", make_as<ASQA>},
          {"HotPot", make_as<HotPot>},
          {"ARCC", make_as<ARCC>},
          {"PubMed", make_as<PubMed>}};
}

}  // namespace ragforge::processing
