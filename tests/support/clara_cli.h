// CLaRa through the real `train` / `ragforge` executables on the tiny golden
// Mistral (tests/data/golden/recipes/blockrank: vocab 259; doc_max_length 24 /
// compress_rate 8 gives n_mem 3): the stage-1 rows and command-line overrides
// these tests start from, and a runner with the tests' environment.
#pragma once
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {

inline std::string clara_golden_dir() {
  return source_dir() + "/tests/data/golden/recipes/blockrank";
}

// A program installed next to ragforge (`train`, `evaluation`, ...).
inline std::string tool_bin(const std::string& name) {
  return (std::filesystem::path(ragforge_bin()).parent_path() / name).string();
}

// `rows` stage-1 qa rows (one document, one question, answer "red leaves") as <dir>/<name>.
inline std::string write_clara_stage1_rows(const ScratchDir& dir, const std::string& name,
                                           int rows) {
  std::string text;
  for (int i = 0; i < rows; ++i) {
    nlohmann::json j;
    j["docs"] = {"entry " + std::to_string(i) + ": a small tree with red leaves"};
    j["question"] = {"what does entry " + std::to_string(i) + " have?"};
    j["answers"] = {"red leaves"};
    text += j.dump() + "\n";
  }
  return dir.write(name, text);
}

// `train -cp configs/clara -cn stage1` on the tiny model: global batch 2 = micro 2
// (one step per 2 rows), fp32, checkpoints in <out>, logs in <run>/logs.
inline std::vector<std::string> clara_tiny_stage1_args(const std::string& data,
                                                       const std::string& out,
                                                       const std::string& run) {
  return {tool_bin("train"),
          "-cp",
          source_dir() + "/configs/clara",
          "-cn",
          "stage1",
          "model.model_name_or_path=" + clara_golden_dir() + "/model",
          "model.tokenizer=" + clara_golden_dir() + "/tokenizer",
          "data.dataset=" + data,
          "doc_max_length=24",
          "compress_rate=8",
          "max_len=400",
          "train_batch_size=2",
          "lora.r=4",
          "lora.alpha=8",
          "train.per_device_train_batch_size=2",
          "train.bf16=false",
          "train.gradient_checkpointing=false",
          "train.output_dir=" + out,
          "hydra.run.dir=" + run,
          "+train.progress=none"};
}

// Runs argv in `dir` on one thread without W&B; `env` adds to (or, with "", unsets from) that.
inline ProcessResult run_clara_cli(const ScratchDir& dir, const std::vector<std::string>& argv,
                                   const std::map<std::string, std::string>& env = {}) {
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"OMP_NUM_THREADS", "1"}, {"WANDB_MODE", "disabled"}};
  for (const auto& [k, v] : env) o.env[k] = v;
  return run_process(argv, o);
}

}  // namespace ragforge::testing
