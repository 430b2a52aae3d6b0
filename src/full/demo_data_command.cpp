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
  std::string kind = "rag", split = "train";
  std::string out;
  int64_t rows = 2000;
  uint64_t seed = 0;
  std::string wordnet = data::kDefaultWordnetDir;
};

int run_demo_data(const DemoDataOptions& opts) {
  try {
    const auto entries = data::read_wordnet_nouns(opts.wordnet);
    std::string text;
    int64_t rows = opts.rows;
    if (opts.kind == "rag") {
      text = data::make_wordnet_demo_jsonl(entries, opts.rows, opts.seed);
    } else if (opts.kind == "corpus") {
      text = data::make_wordnet_corpus_jsonl(entries);
      rows = static_cast<int64_t>(entries.size());
    } else {
      text = data::make_wordnet_questions_jsonl(
          entries, opts.rows, opts.seed, opts.split == "test" ? data::DemoSplit::Test : data::DemoSplit::Train);
    }
    write_file_atomic(opts.out, text);
    std::cerr << "ragforge demo-data: wrote " << rows << " rows to " << opts.out << " (" << opts.kind << ", "
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
      cmd.add_option("--kind", opts->kind,
                     "rag: questions with five definitions as context (the training demo); corpus: one passage "
                     "per word for `ragforge index`; questions: questions with no context, for retrieval")
          ->capture_default_str()
          ->check(CLI::IsMember({"rag", "corpus", "questions"}));
      cmd.add_option("--split", opts->split, "questions: train or test words (disjoint, fixed by a hash of the word)")
          ->capture_default_str()
          ->check(CLI::IsMember({"train", "test"}));
      cmd.add_option("--out", opts->out, "Output JSONL file (written atomically)")->required();
      cmd.add_option("--rows", opts->rows, "Number of rows")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{1}, int64_t{10000000}));
      cmd.add_option("--seed", opts->seed, "Seed of the word choices")->capture_default_str();
      cmd.add_option("--wordnet", opts->wordnet,
                     "Folder with WordNet 3.0's data.noun (Debian package wordnet-base)")
          ->capture_default_str();
      cmd.footer(
          "Examples:\n  ragforge demo-data --out demo.jsonl --rows 500 --seed 1\n"
          "  ragforge demo-data --kind corpus --out corpus.jsonl && ragforge index --corpus corpus.jsonl --out idx\n"
          "  ragforge demo-data --kind questions --split test --rows 200 --out test.jsonl");
      return [opts] { return run_demo_data(*opts); };
    });

}  // namespace
}  // namespace ragforge::full
