// `ragforge demo-data --out FILE [--rows N] [--seed S] [--wordnet DIR]`:
// writes the WordNet demo dataset (data/wordnet_demo.h) atomically. The
// build runs it once to make share/ragforge/demo/wordnet-rag.jsonl.
#include <iostream>
#include <memory>
#include <string>

#include "full/command_registry.h"
#include "core/atomic_file.h"
#include "data/wordnet_demo.h"

namespace ragforge::full {
namespace {

struct DemoDataOptions {
  std::string out;
  int64_t rows = 2000;
  uint64_t seed = 0;
  std::string wordnet = data::kDefaultWordnetDir;
};

int run_demo_data(const DemoDataOptions& opts) {
  try {
    const auto entries = data::read_wordnet_nouns(opts.wordnet);
    write_file_atomic(opts.out, data::make_wordnet_demo_jsonl(entries, opts.rows, opts.seed));
    std::cerr << "ragforge demo-data: wrote " << opts.rows << " rows to " << opts.out << " ("
              << entries.size() << " WordNet nouns)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ragforge demo-data: " << e.what() << "\n";
    return 1;
  }
}

const CommandRegistration reg(
    "demo-data", "Write the WordNet RAG demo dataset (JSONL) used by the quick-start run",
    [](CLI::App& cmd) -> CommandRun {
      auto opts = std::make_shared<DemoDataOptions>();
      cmd.add_option("--out", opts->out, "Output JSONL file (written atomically)")->required();
      cmd.add_option("--rows", opts->rows, "Number of rows")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{1}, int64_t{10000000}));
      cmd.add_option("--seed", opts->seed, "Seed of the word choices")->capture_default_str();
      cmd.add_option("--wordnet", opts->wordnet,
                     "Folder with WordNet 3.0's data.noun (Debian package wordnet-base)")
          ->capture_default_str();
      cmd.footer("Example:\n  ragforge demo-data --out demo.jsonl --rows 500 --seed 1");
      return [opts] { return run_demo_data(*opts); };
    });

}  // namespace
}  // namespace ragforge::full
