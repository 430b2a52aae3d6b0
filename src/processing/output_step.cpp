// RAG-FiT's global_steps/output.py, OutputData: each input dataset goes to
// `{prefix}-{name}.jsonl`, one JSON object per line, relative to the current
// directory as in RAG-FiT (or under ragforge's `output_path`). The files are
// written, each atomically, only once every step of the pipeline has
// succeeded, so a failed run leaves no partial output.
#include "core/error.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

class OutputData : public Step {
 public:
  OutputData(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : Step(s, env), prefix_(params().get_string("prefix")), dir_(params().get_string("output_path", "")) {}

  Kind kind() const override { return Kind::Effect; }
  std::vector<Unit> units() const override {
    std::vector<Unit> out;
    for (const std::string& d : settings_.inputs) out.push_back(Unit{"", {d}});
    return out;
  }

  void run(const Unit& unit, DatasetStore& store) override {
    const std::string& name = unit.reads.front();
    const Rows& rows = store.get(name);
    const std::string file = prefix_ + "-" + name + ".jsonl";
    env_.outputs->push_back(OutputFile{dir_.empty() ? file : dir_ + "/" + file, to_jsonl(rows), rows.size()});
  }

 private:
  std::string prefix_, dir_;
};

}  // namespace

std::vector<StepFactoryEntry> output_steps() { return {{"OutputData", make_as<OutputData>}}; }

}  // namespace ragforge::processing
