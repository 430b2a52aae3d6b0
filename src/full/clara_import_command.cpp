// `ragforge clara-import --published DIR --base_model DIR --output DIR
// [--tokenizer DIR] [--stage S] [--dtype bfloat16|float32]`: a checkpoint published by
// apple/ml-clara (compression-<CR>/{config.json, adapters.pth,
// decoder_first_last_layers.pth}) as a ragforge CLaRa checkpoint, for
// clara-eval or as the next stage's pretrain_checkpoint; runs
// recipes/clara/import_job.cpp in the LibTorch runtime.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/job_launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

struct ClaraImportOptions {
  std::string published, base_model, tokenizer, output, stage, dtype = "bfloat16";
};

const CommandRegistration reg(
    "clara-import",
    "Import a published CLaRa checkpoint (adapters.pth, decoder_first_last_layers.pth) into ragforge's layout",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<ClaraImportOptions>();
      cmd.add_option("--published", o->published, "the compression-<CR> folder")->required();
      cmd.add_option("--base_model", o->base_model,
                     "the base HF folder it was trained on (config.json's decoder_model_name)")
          ->required();
      cmd.add_option("--output", o->output, "the checkpoint folder to create")->required();
      cmd.add_option("--tokenizer", o->tokenizer, "the base tokenizer folder (default: --base_model)");
      cmd.add_option("--stage", o->stage, "the stage to record (default: config.json's training_stage)");
      cmd.add_option("--dtype", o->dtype, "weights in the output: bfloat16 (as published) or float32")
          ->capture_default_str()
          ->check(CLI::IsMember({"bfloat16", "float32"}));
      return [o] {
        const nlohmann::json args = {{"published", o->published}, {"base_model", o->base_model},
                                     {"tokenizer", o->tokenizer}, {"output", o->output}, {"stage", o->stage},
                                     {"dtype", o->dtype}};
        return cli::run_job("clara-import", args.dump());
      };
    });

}  // namespace
}  // namespace ragforge::full
