// A RAG-FiT processing config (configs/processing.yaml; RAG-FiT's
// processing.py and DataPipeline): the pipeline's name, its cache, and the
// `steps:` list, each step a `_target_` with its parameters. Torch-free and
// JSON-free (only the config engine), so the static `ragforge` front rejects
// a bad pipeline in milliseconds, before the run dir exists:
//
//   name: asqa_context
//   cache: true
//   output_path: .
//   steps:
//     - _target_: ragfit.processing.dataset_loaders.loaders.LocalLoader
//       inputs: train
//       filename: asqa-train.jsonl
//     - _target_: ragfit.processing.local_steps.context.DocumentsJoiner
//       inputs: [train]
//       docs_key: positive_passages
//       k: 5
//
// Every step is known under three spellings: RAG-FiT's module path
// (`ragfit.processing.<module>.<Class>`), the same under RAG-Foundry's old
// package name (`ragfoundry.processing.<module>.<Class>`), and ragforge's own
// (`ragforge.processing.<Class>`). Checked here: the target (with "did you
// mean" and the list of steps), each parameter's presence and type (unknown
// keys get "did you mean"), simple ranges, and the flow of dataset names
// (a step may only read a dataset an earlier step loaded).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config_view.h"
#include "config/node.h"

namespace ragforge::settings {

// ---- The step catalogue ------------------------------------------------------

enum class ParamKind {
  String,      // a string
  Int,         // an integer
  Float,       // a number (ints widen)
  Bool,        // true/false
  StringList,  // a list of strings; a single string becomes a one-element list
  StringMap,   // a mapping whose values are strings (TextPrompter's `mapping`)
  Mapping,     // any mapping (HFLoader's `dataset_config`)
  Any,         // any value (UpdateField's `value`)
};

struct ParamSpec {
  std::string name;
  ParamKind kind;
  bool required = false;  // must be present and not null
  config::Node default_value;  // filled in when absent (null: no value)
  std::string required_hint;   // what to say when a required value is missing; "" = generic
};

struct StepSpec {
  std::string name;    // RAG-FiT's class name, e.g. "TextPrompter"
  std::string module;  // RAG-FiT's module under processing/, e.g. "local_steps.prompter"; "" = ragforge only
  bool local = false;  // a LocalStep (maps each example) rather than a GlobalStep
  std::vector<ParamSpec> params;
  std::string summary;      // one line for listings
  std::string unsupported;  // non-empty: why ragforge does not run this step, and what to do instead
  // The target ragforge prints for this step: ragfit.processing.<module>.<name>,
  // or ragforge.processing.<name> for ragforge-only steps.
  std::string preferred_target() const;
  std::vector<std::string> targets() const;  // every accepted spelling
};

// Every step ragforge knows, in RAG-FiT's module order.
const std::vector<StepSpec>& processing_step_specs();
// The spec a `_target_` names (any spelling), or nullptr.
const StepSpec* find_processing_step(const std::string& target);

// ---- A parsed pipeline -------------------------------------------------------

struct ProcessingStepSettings {
  size_t index = 0;          // position in `steps`
  std::string path;          // "steps.3", for messages and overrides
  std::string target;        // `_target_` as written
  const StepSpec* spec = nullptr;
  std::vector<std::string> inputs;  // `inputs` (a string becomes a list); default [main_dataset]
  // The parameters: every ParamSpec of the step, defaults filled in (null
  // when absent without a default); `_target_` and `inputs` removed.
  config::Node params;
  config::Node raw_params;  // the same before defaults (origins for messages)

  // Typed reads with messages naming `steps.<i>.<key>` and where it came from.
  config::ConfigView view() const { return config::ConfigView(params, raw_params, path); }
  // "steps.3 (TextPrompter)"
  std::string label() const;
};

struct ProcessingSettings {
  std::string name;          // `name` (required): names the cache folder
  bool cache = true;         // `cache`: reuse step outputs from earlier runs
  std::string output_path = ".";  // `output_path`: the cache lives in <output_path>/cache
  std::string cache_path;         // `cache_path` (ragforge): the cache folder; default <output_path>/cache
  std::optional<std::string> hfhub_tag;  // `hfhub_tag`: not pushed by ragforge (warns)
  std::vector<ProcessingStepSettings> steps;
};

// Type errors name the key and where its value came from; an unknown step
// names the closest known one and lists them all; a warning (hfhub_tag) goes
// to stderr once.
ProcessingSettings parse_processing_settings(const config::ConfigView& root);

// "LocalLoader, HFLoader, ..." for messages and --help.
std::string processing_step_names();

}  // namespace ragforge::settings
