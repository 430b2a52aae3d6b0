// `ragforge clara-eval --checkpoint DIR --data FILE [--stage S] [--output_dir DIR]
// [--batch_size N] [--max_new_tokens N] [--generation_top_k K] [--max_len N]
// [--query_pad_to_max_len] [--limit N]`: the original's evaluation/evaluate.py
// on one eval_processed_{with_pos|no_pos}.jsonl-style file; runs
// recipes/clara/eval_job.cpp in the LibTorch runtime.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/job_launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

struct ClaraEvalOptions {
  std::string checkpoint, data, stage, output_dir, base_model;
  int64_t batch_size = 4, max_new_tokens = 128, generation_top_k = 0, max_len = 0, limit = 0;
  bool query_pad_to_max_len = false;
};

const CommandRegistration reg(
    "clara-eval",
    "Answer an evaluation file with a CLaRa checkpoint: predictions, em/f1/acc, recall@k",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<ClaraEvalOptions>();
      cmd.add_option("--checkpoint", o->checkpoint, "a <save_path>/global_step<N> or final folder")
          ->required();
      cmd.add_option("--data", o->data, "eval_processed_{with_pos|no_pos}.jsonl-style rows")
          ->required();
      cmd.add_option("--stage", o->stage, "stage1 | stage1_2 | stage2 (default: the checkpoint's)");
      cmd.add_option("--output_dir", o->output_dir,
                     "where the files go (default: <checkpoint>/eval)");
      cmd.add_option("--batch_size", o->batch_size, "questions per batch")
          ->capture_default_str()
          ->check(CLI::PositiveNumber);
      cmd.add_option("--max_new_tokens", o->max_new_tokens, "greedy tokens per answer")
          ->capture_default_str()
          ->check(CLI::PositiveNumber);
      cmd.add_option("--generation_top_k", o->generation_top_k,
                     "documents per prompt (default: stage1 5, else the checkpoint's)");
      cmd.add_option("--max_len", o->max_len, "decoder prompt tokens (default 2048; stage2 1024)");
      cmd.add_flag("--query_pad_to_max_len", o->query_pad_to_max_len,
                   "stage2: pad queries to max_len + 3 as the original (Decision 1)");
      cmd.add_option("--limit", o->limit, "only the first N rows");
      cmd.add_option("--base_model", o->base_model,
                     "the base HF folder (default: clara_config.json's base_model)");
      return [o] {
        // JSON is YAML: strings come through quoted and escaped.
        nlohmann::json args = {{"checkpoint", o->checkpoint},
                               {"data", o->data},
                               {"stage", o->stage},
                               {"output_dir", o->output_dir},
                               {"batch_size", o->batch_size},
                               {"max_new_tokens", o->max_new_tokens},
                               {"query_pad_to_max_len", o->query_pad_to_max_len},
                               {"limit", o->limit},
                               {"base_model", o->base_model}};
        if (o->generation_top_k > 0) args["generation_top_k"] = o->generation_top_k;
        if (o->max_len > 0) args["max_len"] = o->max_len;
        return cli::run_job("clara-eval", args.dump());
      };
    });

}  // namespace
}  // namespace ragforge::full
