// RAG-FiT's global_steps/aggregation.py (and filters.py).
//   FilterDataset  keep the examples a named filter accepts; RAG-FiT has one,
//                  MSMARCO: 1 in example["passages"]["is_selected"].
//   SelectColumns  keep only the listed keys (all must exist).
//   MergeDatasets  concatenate the inputs, in order, into `output`, shuffled
//                  with seed `shuffle` when non-zero.
//   DatasetTagger  example[keyword] = the dataset's name.
#include <algorithm>

#include "core/error.h"
#include "data/deterministic_random.h"
#include "processing/seeded_random.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

bool msmarco_positive(const Row& x) {
  auto passages = x.find("passages");
  if (passages == x.end() || !passages->is_object()) throw Error("no 'passages' mapping; it has: " + key_list(x));
  auto selected = passages->find("is_selected");
  if (selected == passages->end() || !selected->is_array()) throw Error("'passages' has no 'is_selected' list");
  return std::any_of(selected->begin(), selected->end(), [](const Row& v) { return v.is_number() && v == 1; });
}

class FilterDataset : public Step {
 public:
  using Step::Step;
  void run(const Unit& unit, DatasetStore& store) override {
    Rows rows = store.take(unit.dataset);
    Rows kept;
    for (size_t i = 0; i < rows.size(); ++i) {
      bool keep;
      try {
        keep = msmarco_positive(rows[i]);
      } catch (const Error& e) {
        throw Error(settings_.label() + ", example " + std::to_string(i) + " of '" + unit.dataset + "': " + e.what());
      }
      if (keep) kept.push_back(std::move(rows[i]));
    }
    store.put(unit.dataset, std::move(kept));
  }
};

class SelectColumns : public Step {
 public:
  SelectColumns(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : Step(s, env), columns_(params().get_string_list("columns")) {}

  void run(const Unit& unit, DatasetStore& store) override {
    Rows rows = store.take(unit.dataset);
    for (size_t i = 0; i < rows.size(); ++i) {
      Row selected = Row::object();
      for (const std::string& c : columns_) {
        auto it = rows[i].find(c);
        if (it == rows[i].end())
          throw Error(settings_.label() + ": column '" + c + "' is not in '" + unit.dataset + "' (example " +
                      std::to_string(i) + " has: " + key_list(rows[i]) + ")");
        selected[c] = std::move(*it);
      }
      rows[i] = std::move(selected);
    }
    store.put(unit.dataset, std::move(rows));
  }

 private:
  std::vector<std::string> columns_;
};

class MergeDatasets : public Step {
 public:
  MergeDatasets(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : Step(s, env), output_(params().get_string("output")), shuffle_(params().get_int("shuffle", 0)) {}

  // One unit for all inputs, as RAG-FiT's `completed` flag makes it.
  std::vector<Unit> units() const override { return {Unit{output_, settings_.inputs}}; }

  void run(const Unit& unit, DatasetStore& store) override {
    Rows merged;
    for (const std::string& name : unit.reads) {
      const Rows& part = store.get(name);
      merged.insert(merged.end(), part.begin(), part.end());
    }
    unify_columns(merged);
    if (shuffle_) {
      std::mt19937_64 rng = dataset_rng(shuffle_);
      const std::vector<int64_t> order = data::permutation(static_cast<int64_t>(merged.size()), rng);
      Rows shuffled;
      shuffled.reserve(merged.size());
      for (int64_t i : order) shuffled.push_back(std::move(merged[static_cast<size_t>(i)]));
      merged = std::move(shuffled);
    }
    store.put(unit.dataset, std::move(merged));
  }

 private:
  std::string output_;
  int64_t shuffle_;
};

class DatasetTagger : public Step {
 public:
  DatasetTagger(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : Step(s, env), keyword_(params().get_string("keyword")) {}

  void run(const Unit& unit, DatasetStore& store) override {
    Rows rows = store.take(unit.dataset);
    for (Row& r : rows) r[keyword_] = unit.dataset;
    store.put(unit.dataset, std::move(rows));
  }

 private:
  std::string keyword_;
};

}  // namespace

std::vector<StepFactoryEntry> aggregation_steps() {
  return {{"FilterDataset", make_as<FilterDataset>},
          {"SelectColumns", make_as<SelectColumns>},
          {"MergeDatasets", make_as<MergeDatasets>},
          {"DatasetTagger", make_as<DatasetTagger>}};
}

}  // namespace ragforge::processing
