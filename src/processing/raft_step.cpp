// RAG-FiT's local_steps/raft.py, RAFT (Zhang et al. 2024, arXiv:2403.10131):
// for each example draw p in [0, 1); when p > raft_p the documents are the
// first k positives followed by the first neg_docs_num negatives, otherwise
// the negatives alone (so raft_p is the share of distractor-only examples).
// Negatives come from `negative_key` (missing: none), e.g. filled by Sampler
// from other examples' positives. ragforge seeds the draw (`seed`, per
// example: seeded_random.h); RAG-FiT uses Python's unseeded random.
#include "core/error.h"
#include "processing/seeded_random.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

class RAFTStep : public LocalStep {
 public:
  RAFTStep(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : LocalStep(s, env),
        k_(params().has("k") ? std::optional<int64_t>(params().get_int("k")) : std::nullopt),
        neg_docs_num_(params().has("neg_docs_num") ? std::optional<int64_t>(params().get_int("neg_docs_num")) : std::nullopt),
        raft_p_(params().get_float("raft_p")),
        seed_(params().get_int("seed")),
        positive_key_(params().get_string("positive_key")),
        negative_key_(params().get_string("negative_key")),
        output_key_(params().get_string("output_key")) {}

  void process_item(Row& item, size_t index, const std::string& dataset) override {
    std::vector<Row> positives = documents(item, positive_key_, /*required=*/true);
    std::vector<Row> negatives = python_prefix(documents(item, negative_key_, /*required=*/false), neg_docs_num_);
    std::mt19937_64 rng = example_rng(seed_, dataset, index);
    Row docs = Row::array();
    if (uniform01(rng) > raft_p_)
      for (Row& d : python_prefix(std::move(positives), k_)) docs.push_back(std::move(d));
    for (Row& d : negatives) docs.push_back(std::move(d));
    item[output_key_] = std::move(docs);
  }

 private:
  static std::vector<Row> documents(const Row& item, const std::string& key, bool required) {
    auto it = item.find(key);
    if (it == item.end() || it->is_null()) {
      if (!required) return {};
      require_key(item, key);  // throws, naming the keys the example has
      throw Error("'" + key + "' is null, not a list of documents");
    }
    if (!it->is_array()) throw Error("'" + key + "' is a " + python_type_name(*it) + ", not a list of documents");
    return std::vector<Row>(it->begin(), it->end());
  }

  std::optional<int64_t> k_, neg_docs_num_;
  double raft_p_;
  int64_t seed_;
  std::string positive_key_, negative_key_, output_key_;
};

}  // namespace

std::vector<StepFactoryEntry> raft_steps() { return {{"RAFTStep", make_as<RAFTStep>}}; }

}  // namespace ragforge::processing
