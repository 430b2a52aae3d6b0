// `clara-eval`: greedy answers of a CLaRa checkpoint on an evaluation file
// (recipes.md §2.7), top to bottom: checkpoint → rows → generation → metrics.
// stage1 / stage1_2 answer from each row's first generation_top_k documents;
// stage2 reranks every candidate with the query reasoner first. Writes
// <output_dir>/<data stem>.predictions.jsonl and <data stem>.results.json
// (atomically) and prints em / f1 / acc (and recall/precision@{1,3,5}).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/clara_rows.h"
#include "data/jsonl.h"
#include "recipes/clara/clara_checkpoint.h"
#include "recipes/clara/clara_eval.h"
#include "recipes/clara/clara_generate.h"
#include "runtime/job_registry.h"
#include "train/compute_device.h"

namespace ragforge::recipes::clara {
namespace {

namespace fs = std::filesystem;

std::string fixed4(double v) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.4f", v);
  return b;
}

int run_clara_eval(const runtime::JobContext& job) {
  const config::Node args = config::load_yaml_string(job.config_yaml, "clara-eval arguments");
  const config::ConfigView a(args);
  const std::string checkpoint = a.get_string("checkpoint");
  const std::string data_path = a.get_string("data");
  if (!fs::is_directory(checkpoint))
    throw Error("--checkpoint " + checkpoint +
                " is not a directory; give a <save_path>/global_step<N> or final folder");

  ClaraLoadOptions load;
  load.device = train::default_device();
  load.dtype = load.device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
  load.base_model = a.get_string("base_model", "");
  LoadedClara ck = load_clara_checkpoint(checkpoint, load);
  ClaraEvalOptions o;
  o.stage = a.get_string("stage", "");
  if (o.stage.empty()) o.stage = ck.config.stage;
  data::check_clara_stage(o.stage);
  o.top_k = a.get_int("generation_top_k", 0);
  // The stage-1 evaluator reads the first 5 documents (a stage-1 checkpoint trained with 1).
  if (o.top_k <= 0) o.top_k = o.stage == "stage1" ? 5 : ck.config.generation_top_k;
  o.n_mem = ck.config.n_mem;
  o.doc_max_length = ck.config.doc_max_length;
  const bool stage2 = o.stage == "stage2" || o.stage == "stage2_pretrain_retrieval";
  o.max_len = a.get_int("max_len", stage2 ? 1024 : 2048);
  o.query_pad_to_max_len = a.get_bool("query_pad_to_max_len", false);
  o.batch_size = a.get_int("batch_size", 4);
  o.max_new_tokens = a.get_int("max_new_tokens", kEvalMaxNewTokens);
  const int64_t limit = a.get_int("limit", 0);

  // Every stage reads rows with at least top_k documents; stage1 and stage1_2 use the first top_k.
  const auto file = data::read_jsonl(data_path, data::OnError::Raise);
  std::vector<data::ClaraRow> rows;
  std::vector<std::string> warnings;
  for (const auto& r : file.rows) {
    if (limit > 0 && static_cast<int64_t>(rows.size()) >= limit) break;
    rows.push_back(
        data::parse_clara_row(r.value, r.line - 1, "stage2", o.top_k, data_path, warnings));
  }
  for (const auto& w : warnings) std::cerr << "clara-eval: " << w << "\n";
  if (rows.empty()) throw Error("clara-eval: " + data_path + " has no rows");

  auto& lm = *ck.model.lm;
  lm.eval();
  const ClaraCodec codec = make_clara_codec(ck.model.tokenizer, ck.tokens);
  const bool tty = isatty(fileno(stderr)) == 1;  // a progress line only where it can be redrawn
  const auto predictions = clara_generate_answers(lm, codec, rows, o, [&](int64_t done) {
    if (tty) std::cerr << "\rclara-eval: " << done << "/" << rows.size() << " rows" << std::flush;
  });
  if (tty) std::cerr << "\n";

  nlohmann::ordered_json results{{"checkpoint", checkpoint},
                                 {"data", data_path},
                                 {"stage", o.stage},
                                 {"generation_top_k", o.top_k},
                                 {"max_new_tokens", o.max_new_tokens}};
  results.update(clara_eval_results(predictions, stage2));
  std::string out_dir = a.get_string("output_dir", "");
  if (out_dir.empty()) out_dir = (fs::path(checkpoint) / "eval").string();
  fs::create_directories(out_dir);
  const std::string stem = (fs::path(out_dir) / fs::path(data_path).stem()).string();
  write_file_atomic(stem + ".predictions.jsonl", clara_predictions_jsonl(predictions, stage2));
  write_file_atomic(stem + ".results.json", results.dump(2) + "\n");

  std::string line = "clara-eval: " + std::to_string(predictions.size()) + " rows, em " +
                     fixed4(results["em"]) + ", f1 " + fixed4(results["f1"]) + ", acc " +
                     fixed4(results["acc"]);
  if (stage2)
    for (const char* m : {"recall", "precision"})
      line += std::string(", ") + m + "@1/3/5 " + fixed4(results[std::string(m) + "@1"]) + "/" +
              fixed4(results[std::string(m) + "@3"]) + "/" + fixed4(results[std::string(m) + "@5"]);
  std::cout << line << "\n";
  std::cerr << "clara-eval: wrote " << stem << ".predictions.jsonl and " << stem
            << ".results.json\n";
  return 0;
}

const runtime::JobRegistration kEval("clara-eval", run_clara_eval);

}  // namespace
}  // namespace ragforge::recipes::clara
