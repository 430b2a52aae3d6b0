// `ragforge index --corpus FILE --out DIR [--stemmer english|none] [--k1 ..]
// [--k2 ..] [--k3 ..] [--b ..] [--min-normlen ..]`: builds a BM25 index
// (retrieval/bm25_index.h) from a JSONL corpus, atomically, and prints how
// many documents it indexed, in how long.
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "full/command_registry.h"
#include "retrieval/bm25_index.h"

namespace ragforge::full {
namespace {

struct IndexCommandOptions {
  std::string corpus, out;
  retrieval::IndexOptions index;
};

int run_index(const IndexCommandOptions& opts) {
  try {
    const retrieval::IndexStats stats = retrieval::build_index(opts.corpus, opts.out, opts.index);
    const retrieval::Bm25Params& p = opts.index.bm25;
    std::cout << "indexed " << stats.documents << " documents from " << opts.corpus << " into " << opts.out
              << " in " << std::fixed << std::setprecision(3) << stats.seconds << " s ("
              << std::setprecision(0) << (stats.seconds > 0 ? stats.documents / stats.seconds : 0.0)
              << " docs/s)\n";
    std::cout << std::defaultfloat << std::setprecision(6) << "BM25 k1=" << p.k1 << " k2=" << p.k2 << " k3=" << p.k3 << " b=" << p.b
              << " min_normlen=" << p.min_normlen << ", stemmer " << opts.index.stemmer << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ragforge index: " << e.what() << "\n";
    return 1;
  }
}

const CommandRegistration reg(
    "index", "Build a BM25 index (Xapian) from a JSONL corpus of {id, title, text}",
    [](CLI::App& cmd) -> CommandRun {
      auto opts = std::make_shared<IndexCommandOptions>();
      retrieval::Bm25Params& p = opts->index.bm25;
      cmd.add_option("--corpus", opts->corpus,
                     "JSONL corpus, one {\"id\", \"title\", \"text\"} object per line (title optional)")
          ->required();
      cmd.add_option("--out", opts->out,
                     "Index folder; built beside it and renamed into place, replacing an older index there")
          ->required();
      cmd.add_option("--stemmer", opts->index.stemmer, "english, none, or another Xapian stemmer language")
          ->capture_default_str();
      cmd.add_option("--k1", p.k1, "BM25 term-frequency saturation")->capture_default_str();
      cmd.add_option("--k2", p.k2, "BM25 query-length correction (Xapian's k2)")->capture_default_str();
      cmd.add_option("--k3", p.k3, "BM25 query-term-frequency saturation")->capture_default_str();
      cmd.add_option("--b", p.b, "BM25 length normalisation, 0 to 1")->capture_default_str();
      cmd.add_option("--min-normlen", p.min_normlen, "Lower bound of document length / average length")
          ->capture_default_str();
      cmd.footer(
          "The parameters are stored in the index; `ragforge search` uses them.\n"
          "Example:\n  ragforge index --corpus passages.jsonl --out passages.index --stemmer english");
      return [opts] { return run_index(*opts); };
    });

}  // namespace
}  // namespace ragforge::full
