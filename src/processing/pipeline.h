// RAG-FiT's DataPipeline (ragfit/processing/pipeline.py): the steps run in
// order over named datasets (`inputs`), and with `cache: true` each step's
// result is kept on disk so a rerun reuses it.
//
// ---- The cache ---------------------------------------------------------------
// RAG-FiT writes each step's datasets to
// `{output_path}/cache_{name}_{i}_{Step}_{dataset}_{md5 of the step's
// attributes}.json` and recomputes a step when its file is missing or any
// earlier step was recomputed. ragforge keeps the idea with a sharper key:
//
//   <cache_path>/<name>/<Step>-<dataset>-<key>.jsonl    (cache_path: <output_path>/cache)
//
//   key = md5 of: the step (RAG-FiT's class, whatever `_target_` spelling),
//         its parameters with defaults (sorted JSON), its fingerprint (the
//         text of its prompt file; the names, sizes and modification times
//         of a loader's files or a retriever's index), the dataset it
//         writes, and the keys of the datasets it reads.
//
// A dataset's key thus chains every step and input file before it: changing
// a step, its prompt file or an input file recomputes that step and every
// step after it on the same data, and nothing else. Cache files are written
// atomically (a crash leaves the old file or none), so a file that exists
// is complete. Loaders are not cached (reading the file costs what reading a
// copy would) and OutputData always runs.
//
// ---- What runs -------------------------------------------------------------
// Every step whose result is not cached runs; a cached result is read back
// only when a step that runs needs it, and a loader reads its file only when
// a step that runs needs it. So a rerun with everything cached reads just the
// datasets OutputData writes. OutputData's files are written once every step
// has succeeded: a failing run leaves no partial output behind.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "settings/processing_settings.h"

namespace ragforge::processing {

struct PipelineOptions {
  // Where RAG-FiT's packaged prompt paths are found (step.h, StepEnv).
  std::vector<std::string> prompt_dirs;
  std::ostream* log = nullptr;  // progress lines; std::cout when null
};

struct PipelineResult {
  std::vector<std::string> files_written;  // OutputData's files, in order
  int computed = 0;  // units (a step on one dataset) that ran
  int reused = 0;    // units whose cached result was used or was not needed
};

// The folder holding the pipeline's cache files: <cache_path>/<name>.
std::string cache_folder(const settings::ProcessingSettings& s);

// Builds every step (reading prompt files, opening indexes, checking input
// files) before any runs, then runs them. Throws ragforge::Error naming the
// step, the dataset and the example.
PipelineResult run_pipeline(const settings::ProcessingSettings& s, const PipelineOptions& options);

}  // namespace ragforge::processing
