// `ragforge demo-data --out FILE [--rows N] [--seed S] [--wordnet DIR]`:
// writes the WordNet demo dataset (data/wordnet_demo.h) atomically. The
// build runs it once to make share/ragforge/demo/wordnet-rag.jsonl.
// `--kind ranking [--docs N] [--qrels FILE]` writes BlockRank rows instead
// (data/wordnet_ranking_demo.h). `--kind clara --out DIR [--eval-rows N]`
// writes CLaRa's stage and evaluation files (data/clara_demo.h), retrieving
// candidates with BM25 over the entries (retrieval/bm25_index.h).
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "full/command_registry.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/wordnet_demo.h"
#include "data/wordnet_ranking_demo.h"
#include "data/step_confidence_demo.h"
#include "data/clara_demo.h"
#include "retrieval/bm25_index.h"

namespace ragforge::full {
namespace {

struct DemoDataOptions {
  std::string kind = "rag", split = "train";
  std::string out, qrels;
  int64_t rows = 2000;
  int64_t docs = 10;
  bool docs_given = false;  // clara: --docs overrides its 20 candidates
  int64_t eval_rows = 200;
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

// BM25 over the entries in a temporary index, removed afterwards.
int run_clara_demo(const DemoDataOptions& opts) {
  namespace fs = std::filesystem;
  const auto entries = data::read_wordnet_nouns(opts.wordnet);
  data::ClaraDemoOptions o;
  o.rows = opts.rows, o.eval_rows = opts.eval_rows, o.seed = opts.seed;
  if (opts.docs_given) o.candidates = opts.docs;
  fs::create_directories(opts.out);
  const std::string corpus = opts.out + "/corpus.jsonl";
  write_file_atomic(corpus, data::make_clara_demo_corpus(entries));
  std::string tmp = (fs::temp_directory_path() / "ragforge-clara-bm25-XXXXXX").string();
  if (!mkdtemp(tmp.data())) throw Error("cannot create a temporary folder for the BM25 index under " +
                                        fs::temp_directory_path().string());
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::error_code ec; fs::remove_all(dir, ec); }
  } cleanup{tmp};
  retrieval::build_index(corpus, tmp + "/index");
  const auto index = retrieval::Bm25Index::open(tmp + "/index");
  const auto files = data::make_clara_demo(entries, o, [&](const std::string& q, int64_t k) {
    std::vector<int64_t> ids;
    for (const auto& h : index.search(q, k)) ids.push_back(std::stoll(h.id));
    return ids;
  });
  data::write_clara_demo(opts.out, files);
  std::cerr << "ragforge demo-data: wrote CLaRa rows under " << opts.out << ": " << o.rows
            << " each in stage1.jsonl, stage1_2.jsonl (" << o.top_k << " documents), stage2.jsonl (" << o.candidates
            << " candidates); " << o.eval_rows << " each in eval_processed_with_pos.jsonl and "
            << "eval_processed_no_pos.jsonl (BM25 top " << o.candidates << "); rag_fit_{train,eval_with_pos,eval_no_pos}.jsonl "
            << "(the uncompressed baseline); corpus.jsonl (" << entries.size()
            << " WordNet nouns)\n";
  return 0;
}

int run_demo_data(const DemoDataOptions& opts) {
  try {
    if (opts.kind == "clara") return run_clara_demo(opts);
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
                     "eQASC formats, --rows per dataset (test: rows/5), --out a folder; "
                     "clara: CLaRa's stage1 / stage1_2 / stage2 rows (--rows each) and eval_processed_{with,no}_pos "
                     "(--eval-rows, BM25 candidates), --out a folder")
          ->capture_default_str()
          ->check(CLI::IsMember({"rag", "corpus", "questions", "ranking", "step-confidence", "clara"}));
      cmd.add_option("--split", opts->split,
                     "questions, ranking: train or test words (disjoint, fixed by a hash of the word)")
          ->capture_default_str()
          ->check(CLI::IsMember({"train", "test"}));
      cmd.add_option("--out", opts->out, "Output JSONL file (written atomically)")->required();
      cmd.add_option("--rows", opts->rows, "Number of rows")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{1}, int64_t{10000000}));
      auto* docs = cmd.add_option("--docs", opts->docs,
                                  "ranking: documents per row (the answer and docs-1 negatives); clara: "
                                  "candidates of stage2 and evaluation rows (default 20)")
                       ->capture_default_str()
                       ->check(CLI::Range(int64_t{2}, int64_t{50}));
      cmd.add_option("--eval-rows", opts->eval_rows, "clara: rows of each evaluation file (test words)")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{1}, int64_t{100000}));
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
          "--qrels rank-test.qrels.tsv\n"
          "  ragforge demo-data --kind clara --rows 1000 --eval-rows 200 --out data/clara-demo");
      return [opts, docs] {
        opts->docs_given = docs->count() > 0;
        return run_demo_data(*opts);
      };
    });

}  // namespace
}  // namespace ragforge::full
