// RAG-FiT's global_steps/sampling.py.
//   ShuffleSelect  shuffle with seed `shuffle` (when non-zero), then keep the
//                  first `limit` examples (when non-zero), as HF's
//                  Dataset.shuffle(seed).select(range(limit)).
//   Sampler        for each example, k distinct other examples (from the same
//                  dataset, never the example itself, or from
//                  `input_dataset`), whole or only their `input_key`, stored
//                  under `output_key`: a list, or the one value when k is 1.
//   FewShot        Sampler of whole examples.
// The draws are ragforge's (seeded_random.h): the same seed gives the same
// rows every time, but not the rows RAG-FiT's numpy/Python draws give.
#include <algorithm>

#include "core/error.h"
#include "data/deterministic_random.h"
#include "processing/seeded_random.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

class ShuffleSelect : public Step {
 public:
  ShuffleSelect(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : Step(s, env), shuffle_(params().get_int("shuffle", 0)), limit_(params().get_int("limit", 0)) {}

  void run(const Unit& unit, DatasetStore& store) override {
    Rows rows = store.take(unit.dataset);
    if (shuffle_) {  // Python truthiness: shuffle: 0 does not shuffle
      std::mt19937_64 rng = dataset_rng(shuffle_);
      const std::vector<int64_t> order = data::permutation(static_cast<int64_t>(rows.size()), rng);
      Rows shuffled;
      shuffled.reserve(rows.size());
      for (int64_t i : order) shuffled.push_back(std::move(rows[static_cast<size_t>(i)]));
      rows = std::move(shuffled);
    }
    if (limit_) {  // limit: 0 keeps everything, as in RAG-FiT
      if (static_cast<size_t>(limit_) > rows.size())
        log() << "  limit " << limit_ << " is more than the " << rows.size() << " examples of '" << unit.dataset
              << "': keeping them all\n";
      else
        rows.resize(static_cast<size_t>(limit_));
    }
    store.put(unit.dataset, std::move(rows));
  }

 private:
  int64_t shuffle_, limit_;
};

class Sampler : public Step {
 public:
  Sampler(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : Step(s, env),
        k_(params().get_int("k")),
        input_key_(params().get_optional_string("input_key")),
        output_key_(params().get_string("output_key")),
        input_dataset_(params().get_optional_string("input_dataset")),
        seed_(params().get_int("seed")) {}

  std::vector<Unit> units() const override {
    std::vector<Unit> out;
    for (const std::string& d : settings_.inputs) {
      Unit u{d, {d}};
      if (input_dataset_ && *input_dataset_ != d) u.reads.push_back(*input_dataset_);
      out.push_back(u);
    }
    return out;
  }

  void run(const Unit& unit, DatasetStore& store) override {
    const std::string& source_name = input_dataset_ ? *input_dataset_ : unit.dataset;
    const Rows source = store.get(source_name);  // a copy: the samples are the examples before this step
    Rows rows = store.take(unit.dataset);
    const bool exclude_self = !input_dataset_;  // RAG-FiT skips the example itself only then
    const size_t available = source.size() - (exclude_self && !source.empty() ? 1 : 0);
    if (!rows.empty() && static_cast<size_t>(k_) > available)
      throw Error(settings_.label() + ": k=" + std::to_string(k_) + " needs " + std::to_string(k_) +
                  " distinct examples " + (exclude_self ? "other than each example itself" : "") + " in '" +
                  source_name + "', which has " + std::to_string(source.size()));
    for (size_t i = 0; i < rows.size(); ++i) {
      std::mt19937_64 rng = example_rng(seed_, unit.dataset, i);
      std::vector<size_t> ids;
      while (ids.size() < static_cast<size_t>(k_)) {
        const size_t r = data::uniform_index(rng, source.size());
        if (exclude_self && r == i) continue;
        if (std::find(ids.begin(), ids.end(), r) != ids.end()) continue;
        ids.push_back(r);
      }
      Row examples = Row::array();
      for (size_t id : ids) {
        if (!input_key_) {
          examples.push_back(source[id]);
          continue;
        }
        auto it = source[id].find(*input_key_);
        if (it == source[id].end())
          throw Error(settings_.label() + ": example " + std::to_string(id) + " of '" + source_name + "' has no '" +
                      *input_key_ + "'; it has: " + key_list(source[id]));
        examples.push_back(*it);
      }
      rows[i][output_key_] = k_ > 1 ? std::move(examples) : std::move(examples[0]);
    }
    store.put(unit.dataset, std::move(rows));
  }

 private:
  int64_t k_;
  std::optional<std::string> input_key_;
  std::string output_key_;
  std::optional<std::string> input_dataset_;
  int64_t seed_;
};

}  // namespace

std::vector<StepFactoryEntry> sampling_steps() {
  return {{"ShuffleSelect", make_as<ShuffleSelect>}, {"Sampler", make_as<Sampler>}, {"FewShot", make_as<Sampler>}};
}

}  // namespace ragforge::processing
