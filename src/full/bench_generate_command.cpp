// `ragforge bench-generate`: decoding throughput benchmark (runtime/bench_generate_job.cpp).
#include <memory>
#include <string>

#include "cli/job_launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

struct BenchOptions {
  std::string model = "tiny";
  int threads = 2, prompt_len = 64, new_tokens = 256, batch = 1;
  bool no_cache = false;
};

const CommandRegistration reg(
    "bench-generate", "New tokens/s of greedy decoding, tiny or ~20M model, with or without the KV cache",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<BenchOptions>();
      cmd.add_option("--model", o->model, "tiny (configs/model/tiny.yaml) or 20m (bench-model's)")
          ->check(CLI::IsMember({"tiny", "20m"}));
      cmd.add_option("--threads", o->threads, "intra-op threads")->check(CLI::PositiveNumber);
      cmd.add_option("--prompt-len", o->prompt_len, "prompt tokens")->check(CLI::PositiveNumber);
      cmd.add_option("--new-tokens", o->new_tokens, "tokens generated per row")->check(CLI::PositiveNumber);
      cmd.add_option("--batch", o->batch, "rows generated together")->check(CLI::PositiveNumber);
      cmd.add_flag("--no-cache", o->no_cache, "recompute the whole sequence every step (the baseline)");
      return [o] {
        std::string yaml = "model: " + o->model + "\nthreads: " + std::to_string(o->threads) +
                           "\nprompt_len: " + std::to_string(o->prompt_len) + "\nnew_tokens: " +
                           std::to_string(o->new_tokens) + "\nbatch: " + std::to_string(o->batch) +
                           "\ncache: " + (o->no_cache ? "false" : "true") + "\n";
        return cli::run_job("bench-generate", yaml);
      };
    });

}  // namespace
}  // namespace ragforge::full
