// HFLoader's `dataset_config` (the arguments of datasets.load_dataset) read
// without a hub: ragforge never downloads, so `path` must be a local JSON or
// JSON Lines file, a folder of them laid out as HF datasets infers splits
// (train.jsonl, data/dev-00000.json, test/part-0.jsonl, ...), or the packaged
// "json" builder with `data_files`. A hub id fails with a message saying how
// to export it and load it with LocalLoader.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/config_view.h"

namespace ragforge::processing {

struct LocalDatasetFiles {
  std::vector<std::string> files;      // read in this order and concatenated
  std::optional<std::string> field;    // `field`: the key holding the records in a JSON object
};

// `dataset_config` is the step's view of it; `step_label` names the step in errors.
LocalDatasetFiles resolve_hf_dataset(const config::ConfigView& dataset_config, const std::string& step_label);

}  // namespace ragforge::processing
