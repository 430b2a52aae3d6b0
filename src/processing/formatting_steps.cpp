// RAG-FiT's local_steps/formatting.py: ColumnUpdater copies keys
// ({from: to}), FlattenList joins a list of strings into one, UpdateField
// sets a key to a fixed value.
#include "config/node_json.h"
#include "core/error.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

class ColumnUpdater : public LocalStep {
 public:
  ColumnUpdater(const settings::ProcessingStepSettings& s, const StepEnv& env) : LocalStep(s, env) {
    for (const config::DictEntry& e : s.params.find("keys_mapping")->entries())
      mapping_.emplace_back(e.key.text, e.value.as_string());
  }

  void process_item(Row& item, size_t, const std::string&) override {
    for (const auto& [from, to] : mapping_) {
      Row value = require_key(item, from);
      item[to] = std::move(value);
    }
  }

 private:
  std::vector<std::pair<std::string, std::string>> mapping_;
};

class FlattenList : public LocalStep {
 public:
  FlattenList(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : LocalStep(s, env),
        input_key_(params().get_string("input_key")),
        output_key_(params().get_string("output_key")),
        join_(params().get_string("string_join")) {}

  void process_item(Row& item, size_t, const std::string&) override {
    const Row& value = require_key(item, input_key_);
    auto parts = python_sequence(value);
    if (!parts) throw Error("'" + input_key_ + "' is a " + python_type_name(value) + ", not a list of strings");
    std::string joined;
    for (size_t i = 0; i < parts->size(); ++i) {
      const Row& p = (*parts)[i];
      if (!p.is_string())
        throw Error("'" + input_key_ + "[" + std::to_string(i) + "]' is a " + python_type_name(p) + ", not a string");
      if (i) joined += join_;
      joined += p.get_ref<const std::string&>();
    }
    item[output_key_] = std::move(joined);
  }

 private:
  std::string input_key_, output_key_, join_;
};

class UpdateField : public LocalStep {
 public:
  UpdateField(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : LocalStep(s, env), input_key_(params().get_string("input_key")), value_(to_row(*s.params.find("value"))) {}

  void process_item(Row& item, size_t, const std::string&) override { item[input_key_] = value_; }

 private:
  static Row to_row(const config::Node& n) { return config::to_json(n); }
  std::string input_key_;
  Row value_;
};

}  // namespace

std::vector<StepFactoryEntry> formatting_steps() {
  return {{"ColumnUpdater", make_as<ColumnUpdater>},
          {"FlattenList", make_as<FlattenList>},
          {"UpdateField", make_as<UpdateField>}};
}

}  // namespace ragforge::processing
