// `ragforge bench-model`: model throughput benchmark (runtime/bench_model_job.cpp).
#include <memory>
#include <string>

#include "cli/job_launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

struct BenchOptions {
  int threads = 2, seq_len = 512, batch = 1, steps = 3;
  std::string profile;
};

const CommandRegistration reg(
    "bench-model", "Forward+backward tokens/s and peak RSS of a ~20M-parameter model, full and LoRA",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<BenchOptions>();
      cmd.add_option("--threads", o->threads, "intra-op threads")->check(CLI::PositiveNumber);
      cmd.add_option("--seq-len", o->seq_len, "tokens per sequence")->check(CLI::PositiveNumber);
      cmd.add_option("--batch", o->batch, "sequences per step")->check(CLI::PositiveNumber);
      cmd.add_option("--steps", o->steps, "timed steps (best is reported)")->check(CLI::PositiveNumber);
      cmd.add_option("--profile", o->profile, "print self time per op for one step of this mode")
          ->check(CLI::IsMember({"full", "full+ckpt", "lora r16 all-linear"}));
      return [o] {
        std::string yaml = "threads: " + std::to_string(o->threads) + "\nseq_len: " + std::to_string(o->seq_len) +
                           "\nbatch: " + std::to_string(o->batch) + "\nsteps: " + std::to_string(o->steps) + "\nprofile: \"" + o->profile + "\"\n";
        return cli::run_job("bench-model", yaml);
      };
    });

}  // namespace
}  // namespace ragforge::full
