// `ragforge search --index DIR --query TEXT [--top-k N]`: the top N hits of a
// BM25 index (retrieval/bm25_index.h) for a free-text query, one JSON object
// {"id", "title", "content", "score"} per line, best first.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "full/command_registry.h"
#include "retrieval/bm25_index.h"

namespace ragforge::full {
namespace {

struct SearchOptions {
  std::string index, query;
  int64_t top_k = 5;
};

int run_search(const SearchOptions& opts) {
  try {
    const auto index = retrieval::Bm25Index::open(opts.index);
    for (const auto& hit : index.search(opts.query, opts.top_k)) {
      nlohmann::ordered_json line{{"id", hit.id}, {"title", hit.title}, {"content", hit.content}, {"score", hit.score}};
      std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ragforge search: " << e.what() << "\n";
    return 1;
  }
}

const CommandRegistration reg(
    "search", "Query a BM25 index built by `ragforge index`; prints JSONL hits",
    [](CLI::App& cmd) -> CommandRun {
      auto opts = std::make_shared<SearchOptions>();
      cmd.add_option("--index", opts->index, "Index folder written by `ragforge index`")->required();
      cmd.add_option("--query", opts->query, "Free-text query (its words are OR-ed)")->required();
      cmd.add_option("--top-k", opts->top_k, "Number of hits")
          ->capture_default_str()
          ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
      cmd.footer("Example:\n  ragforge search --index passages.index --query \"who wrote hamlet\" --top-k 5");
      return [opts] { return run_search(*opts); };
    });

}  // namespace
}  // namespace ragforge::full
