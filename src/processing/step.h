// A processing step, RAG-FiT's BaseStep: built from its validated settings,
// it runs once per dataset named in `inputs` (a "unit" of work) and changes
// the pipeline's datasets in place. A LocalStep maps each example
// (process_item); a global step sees whole datasets.
//
// What the pipeline needs to cache a step (pipeline.h): the datasets each
// unit reads and the one it writes, whether its result may be cached, and a
// fingerprint of whatever besides its parameters decides its output (the
// text of a prompt file, the identity of an input file or index).
#pragma once
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "processing/dataset.h"
#include "settings/processing_settings.h"

namespace ragforge::processing {

// One run of a step: RAG-FiT's process(dataset_name, datasets).
struct Unit {
  std::string dataset;             // the dataset it writes; "" for none (OutputData)
  std::vector<std::string> reads;  // the datasets it reads
};

// The pipeline's datasets by name. A dataset that is cached but not yet in
// memory is read from the cache on first use.
class DatasetStore {
 public:
  virtual ~DatasetStore() = default;
  virtual const Rows& get(const std::string& name) = 0;
  virtual Rows take(const std::string& name) = 0;  // moves it out, to put() it back changed
  virtual void put(const std::string& name, Rows rows) = 0;
};

// A file OutputData writes once every step has succeeded.
struct OutputFile {
  std::string path, content;
  size_t examples = 0;
};

// What steps get from the pipeline besides their settings.
struct StepEnv {
  // Folders searched for RAG-FiT's packaged prompt paths
  // (ragfit/processing/prompts/<file>, ragfoundry/processing/prompts/<file>)
  // when they are not found relative to the current directory.
  std::vector<std::string> prompt_dirs;
  std::ostream* log = nullptr;                // notes for the user
  std::vector<OutputFile>* outputs = nullptr;  // OutputData's files, written at the end
};

class Step {
 public:
  enum class Kind {
    Transform,  // a pure function of its inputs: cached when the pipeline caches
    Source,     // reads a file (loaders): never cached, run only when something needs its output
    Effect,     // writes outside the pipeline (OutputData): always run, never cached
  };

  Step(const settings::ProcessingStepSettings& s, const StepEnv& env) : settings_(s), env_(env) {}
  virtual ~Step() = default;
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;

  // RAG-FiT's process_inputs: one unit per input, reading and writing it.
  virtual std::vector<Unit> units() const;
  virtual void run(const Unit& unit, DatasetStore& store) = 0;
  virtual Kind kind() const { return Kind::Transform; }
  virtual std::string fingerprint() const { return ""; }

  const settings::ProcessingStepSettings& settings() const { return settings_; }
  const std::string& name() const { return settings_.spec->name; }

 protected:
  // Typed reads of the step's parameters (defaults filled in).
  config::ConfigView params() const { return settings_.view(); }
  std::ostream& log() const { return *env_.log; }

  const settings::ProcessingStepSettings& settings_;
  const StepEnv& env_;
};

// RAG-FiT's LocalStep: process_item on every example of each input. Errors
// from process_item are reported with the step, the dataset and the
// example's index.
class LocalStep : public Step {
 public:
  using Step::Step;
  void run(const Unit& unit, DatasetStore& store) override;

 protected:
  virtual void process_item(Row& item, size_t index, const std::string& dataset) = 0;
};

// The step a setting names; reads its files (prompts, indexes) now, so a bad
// file fails before any step runs.
std::unique_ptr<Step> make_step(const settings::ProcessingStepSettings& s, const StepEnv& env);

}  // namespace ragforge::processing
