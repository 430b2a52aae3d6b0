#include "processing/step.h"

#include <map>

#include "core/error.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

const std::map<std::string, StepFactory>& factories() {
  static const std::map<std::string, StepFactory> table = [] {
    std::map<std::string, StepFactory> t;
    for (auto family : {loader_steps, common_dataset_steps, context_steps, prompter_steps, formatting_steps,
                        raft_steps, retriever_steps, sampling_steps, aggregation_steps, output_steps})
      for (const StepFactoryEntry& e : family()) t[e.name] = e.make;
    return t;
  }();
  return table;
}

}  // namespace

std::vector<Unit> Step::units() const {
  std::vector<Unit> out;
  for (const std::string& d : settings_.inputs) out.push_back(Unit{d, {d}});
  return out;
}

void LocalStep::run(const Unit& unit, DatasetStore& store) {
  Rows rows = store.take(unit.dataset);
  for (size_t i = 0; i < rows.size(); ++i) {
    try {
      process_item(rows[i], i, unit.dataset);
    } catch (const Error& e) {
      throw Error(settings_.label() + ", example " + std::to_string(i) + " of '" + unit.dataset + "': " + e.what());
    } catch (const nlohmann::json::exception& e) {
      throw Error(settings_.label() + ", example " + std::to_string(i) + " of '" + unit.dataset +
                  "': unexpected value: " + e.what());
    }
  }
  store.put(unit.dataset, std::move(rows));
}

std::unique_ptr<Step> make_step(const settings::ProcessingStepSettings& s, const StepEnv& env) {
  auto it = factories().find(s.spec->name);
  if (it == factories().end())
    throw Error(s.label() + ": " + s.target + " has no implementation in ragforge");
  return it->second(s, env);
}

bool has_step_implementation(const std::string& name) { return factories().count(name) > 0; }

}  // namespace ragforge::processing
