// `ragforge bench-blockrank`: BlockRank attention against dense-masked attention
// as the number of documents grows (runtime/bench_blockrank_job.cpp).
#include <memory>
#include <string>

#include "cli/job_launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

struct BenchOptions {
  int threads = 2, block_len = 160, dense_eager_max_docs = 50, dense_eager_model_max_docs = 20,
      dense_chunked_model_max_docs = 50;
  std::string docs = "10,20,50,100", device = "cpu";
  bool no_model = false;
};

const CommandRegistration reg(
    "bench-blockrank", "Forward+backward time of BlockRank attention vs dense-masked attention over N documents",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<BenchOptions>();
      cmd.add_option("--threads", o->threads, "intra-op threads")->check(CLI::PositiveNumber);
      cmd.add_option("--block-len", o->block_len, "tokens per block (H)")->check(CLI::PositiveNumber);
      cmd.add_option("--docs", o->docs, "comma-separated numbers of documents N");
      cmd.add_option("--device", o->device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
      cmd.add_option("--dense-eager-max-docs", o->dense_eager_max_docs,
                     "largest N for the materialised dense-mask baseline (one layer)");
      cmd.add_option("--dense-eager-model-max-docs", o->dense_eager_model_max_docs,
                     "largest N for the materialised dense-mask baseline (whole model)");
      cmd.add_option("--dense-chunked-model-max-docs", o->dense_chunked_model_max_docs,
                     "largest N for the query-chunked dense-mask baseline (whole model)");
      cmd.add_flag("--no-model", o->no_model, "time one layer's attention only");
      return [o] {
        std::string yaml = "threads: " + std::to_string(o->threads) + "\nblock_len: " + std::to_string(o->block_len) +
                           "\ndocs: \"" + o->docs + "\"\ndevice: " + o->device +
                           "\ndense_eager_max_docs: " + std::to_string(o->dense_eager_max_docs) +
                           "\ndense_eager_model_max_docs: " + std::to_string(o->dense_eager_model_max_docs) +
                           "\ndense_chunked_model_max_docs: " + std::to_string(o->dense_chunked_model_max_docs) +
                           "\nmodel: " + (o->no_model ? "false" : "true") + "\n";
        return cli::run_job("bench-blockrank", yaml);
      };
    });

}  // namespace
}  // namespace ragforge::full
