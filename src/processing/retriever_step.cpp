// Retrieval for each example. RAG-FiT's HaystackRetriever runs a Haystack v2
// pipeline (an embedder and Qdrant, configs/external/haystack/qdrant.yaml)
// and stores [{content, title}] under docs_key. ragforge has no such service:
// both HaystackRetriever and ragforge.processing.BM25Retriever search a
// local BM25 index built by `ragforge index` (retrieval/bm25_index.h) for
// example[query_key] and store the top_k hits as [{title, content, score}],
// best first, under docs_key.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "processing/step_factories.h"
#include "retrieval/bm25_index.h"

namespace ragforge::processing {
namespace {

class Retriever : public LocalStep {
 public:
  Retriever(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : LocalStep(s, env),
        index_dir_(params().get_string("index")),
        index_(open_index(index_dir_, s)),
        query_key_(params().get_string("query_key")),
        docs_key_(params().get_string("docs_key")),
        top_k_(params().get_int("top_k")) {
    if (name() == "HaystackRetriever") {
      log() << "  HaystackRetriever: ragforge runs BM25 over the local index " << index_dir_ << " ("
            << index_.size() << " documents) instead of a Haystack/Qdrant pipeline";
      if (params().has("pipeline_or_yaml_path"))
        log() << "; pipeline_or_yaml_path " << params().get_string("pipeline_or_yaml_path") << " is not used";
      log() << "\n";
    }
  }

  // The index's files (names, sizes, modification times): a rebuilt index retrieves again.
  std::string fingerprint() const override {
    namespace fs = std::filesystem;
    std::vector<std::string> lines;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(index_dir_, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      struct stat st {};
      if (::stat(it->path().c_str(), &st) != 0) continue;
      lines.push_back(fs::relative(it->path(), index_dir_).string() + " " + std::to_string(st.st_size) + " " +
                      std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec));
    }
    std::sort(lines.begin(), lines.end());
    std::string fp = "index " + std::to_string(index_.size()) + "\n";
    for (const std::string& l : lines) fp += l + "\n";
    return fp;
  }

  void process_item(Row& item, size_t, const std::string&) override {
    const Row& query = require_key(item, query_key_);
    if (!query.is_string()) throw Error("'" + query_key_ + "' is a " + python_type_name(query) + ", not a query string");
    Row docs = Row::array();
    for (const retrieval::Hit& hit : index_.search(query.get<std::string>(), top_k_))
      docs.push_back(Row{{"title", hit.title}, {"content", hit.content}, {"score", hit.score}});
    item[docs_key_] = std::move(docs);
  }

 private:
  static retrieval::Bm25Index open_index(const std::string& dir, const settings::ProcessingStepSettings& s) {
    try {
      return retrieval::Bm25Index::open(dir);
    } catch (const Error& e) {
      throw Error(s.label() + ": " + e.what());
    }
  }

  std::string index_dir_;
  retrieval::Bm25Index index_;
  std::string query_key_, docs_key_;
  int64_t top_k_;
};

}  // namespace

std::vector<StepFactoryEntry> retriever_steps() {
  return {{"BM25Retriever", make_as<Retriever>}, {"HaystackRetriever", make_as<Retriever>}};
}

}  // namespace ragforge::processing
