// `ragforge demo-data --out FILE [--rows N] [--seed S] [--wordnet DIR]`:
// writes the WordNet demo dataset (data/wordnet_demo.h) atomically. The
// build runs it once to make share/ragforge/demo/wordnet-rag.jsonl.
// `--kind ranking [--docs N] [--qrels FILE]` writes BlockRank rows instead
// (data/wordnet_ranking_demo.h).
#include <iostream>
#include <memory>
#include <string>

#include "full/command_registry.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/wordnet_demo.h"
#include "data/wordnet_ranking_demo.h"
#include "data/step_confidence_demo.h"

namespace ragforge::full {
namespace {

struct DemoDataOptions {
  std::string kind = "rag", split = "train";
  std::string out, qrels;
  int64_t rows = 2000;
  int64_t docs = 10;
  uint64_t seed = 0;
  std::string wordnet = data::kDefaultWordnetDir;
};

int run_ranking_demo(const DemoDataOptions& opts) {
  const auto graph = data::read_wordnet_noun_graph(opts.wordnet);
  const auto demo = data::make_wordnet_ranking_demo(
      graph, opts.rows, opts.docs, opts.seed, opts.split == "test" ? data::DemoSplit::Test : data::DemoSplit::Train);
  write_file_atomic(opts.out, demo.jsonl);
  if (!opts.qrels.empty()) write_file_atomic(opts.qrels, demo.qrels);
  std::cerr << "ragforge demo-data: wrote " << opts.rows << " rows to " << opts.out << " (ranking, " << opts.split
            << ", " << opts.docs << " documents each, " << graph.entries.size() << " WordNet nouns)"
            << (opts.qrels.empty() ? "" : "; qrels to " + opts.qrels) << "\n";
  return 0;
}

int run_step_confidence_demo(const DemoDataOptions& opts) {
  const auto counts =
      data::write_step_confidence_demo(opts.out, data::read_wordnet_noun_graph(opts.wordnet), opts.rows, opts.seed);
  std::cerr << "ragforge demo-data: wrote " << counts.rows << " examples (" << counts.steps
            << " labelled steps) in the PRM800K, REVEAL and eQASC formats under " << opts.out << "\n";
  return 0;
}

int run_demo_data(const DemoDataOptions& opts) {
  try {
    if (opts.kind == "ranking") return run_ranking_demo(opts);
    if (opts.kind == "step-confidence") return run_step_confidence_demo(opts);
    if (!opts.qrels.empty()) throw Error("--qrels is for --kind ranking only");
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
                     "per word for `ragforge index`; questions: questions with no context, for retrieval; "
                     "ranking: BlockRank rows, a keyword query and --docs dictionary entries, one the answer; "
                     "step-confidence: step-labelled arithmetic and WordNet chains in the PRM800K, REVEAL and "
                     "eQASC formats, --rows per dataset (test: rows/5), --out a folder")
          ->capture_default_str()
          ->check(CLI::IsMember({"rag", "corpus", "questions", "ranking", "step-confidence"}));
      cmd.add_option("--split", opts->split,
                     "questions, ranking: train or test words (disjoint, fixed by a hash of the word)")
          ->capture_default_str()
          ->check(CLI::IsMember({"train", "test"}));
      cmd.add_option("--out", opts->out, "Output JSONL file (written atomically)")->required();
      cmd.add_option("--rows", opts->rows, "Number of rows")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{1}, int64_t{10000000}));
      cmd.add_option("--docs", opts->docs, "ranking: documents per row (the answer and docs-1 negatives)")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{2}, int64_t{50}));
      cmd.add_option("--qrels", opts->qrels, "ranking: also write the rows' qrels (TSV query-id corpus-id score)");
      cmd.add_option("--seed", opts->seed, "Seed of the word choices")->capture_default_str();
      cmd.add_option("--wordnet", opts->wordnet,
                     "Folder with WordNet 3.0's data.noun (Debian package wordnet-base)")
          ->capture_default_str();
      cmd.footer(
          "Examples:\n  ragforge demo-data --out demo.jsonl --rows 500 --seed 1\n"
          "  ragforge demo-data --kind corpus --out corpus.jsonl && ragforge index --corpus corpus.jsonl --out idx\n"
          "  ragforge demo-data --kind questions --split test --rows 200 --out test.jsonl\n"
          "  ragforge demo-data --kind ranking --split test --rows 200 --docs 10 --out rank-test.jsonl "
          "--qrels rank-test.qrels.tsv");
      return [opts] { return run_demo_data(*opts); };
    });

}  // namespace
}  // namespace ragforge::full
