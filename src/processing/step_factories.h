// Which class implements each step of the catalogue
// (settings/processing_settings.h): each step family's file lists its
// steps; step.cpp looks them up by RAG-FiT's class name. Internal to
// processing/.
#pragma once
#include <memory>
#include <vector>

#include "processing/step.h"

namespace ragforge::processing {

using StepFactory = std::unique_ptr<Step> (*)(const settings::ProcessingStepSettings&, const StepEnv&);

struct StepFactoryEntry {
  const char* name;  // RAG-FiT's class name, as StepSpec::name
  StepFactory make;
};

template <typename T>
std::unique_ptr<Step> make_as(const settings::ProcessingStepSettings& s, const StepEnv& env) {
  return std::make_unique<T>(s, env);
}

std::vector<StepFactoryEntry> loader_steps();          // loaders.cpp
std::vector<StepFactoryEntry> common_dataset_steps();  // common_datasets.cpp
std::vector<StepFactoryEntry> context_steps();         // context_steps.cpp
std::vector<StepFactoryEntry> prompter_steps();        // prompter_steps.cpp
std::vector<StepFactoryEntry> formatting_steps();      // formatting_steps.cpp
std::vector<StepFactoryEntry> raft_steps();            // raft_step.cpp
std::vector<StepFactoryEntry> retriever_steps();       // retriever_step.cpp
std::vector<StepFactoryEntry> sampling_steps();        // sampling_steps.cpp
std::vector<StepFactoryEntry> aggregation_steps();     // aggregation_steps.cpp
std::vector<StepFactoryEntry> output_steps();          // output_step.cpp

// Whether a step of the catalogue has an implementation (tests check all do).
bool has_step_implementation(const std::string& name);

}  // namespace ragforge::processing
