// BlockRank through the real executables: `ragforge logits --attention
// blockrank` against the original code's numbers (golden/recipes/blockrank),
// `train` on a BlockRank config (accumulation and resume equivalence), bad
// inputs, and `blockrank-eval` writing its metrics and run file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "support/f32_safetensors.h"
#include "support/run_files.h"
#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

std::string golden_dir() { return source_dir() + "/tests/data/golden/recipes/blockrank"; }
std::string bin(const std::string& name) { return (fs::path(ragforge_bin()).parent_path() / name).string(); }

// ---- logits against the original ----------------------------------------------

void check_against_golden(const std::string& attention) {
  ScratchDir dir;
  const std::string out = dir / "out.safetensors";
  auto r = run_process({ragforge_bin(), "logits", "--attention", attention, "--model", golden_dir() + "/model",
                        "--inputs", golden_dir() + "/golden.safetensors", "--out", out, "--aux-layer", "1",
                        "--aux-temperature", "0.05", "--aux-weight", "0.1", "--grads"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = read_safetensors(out);
  auto ref = read_safetensors(golden_dir() + "/golden.safetensors");
  // Losses (1e-5).
  for (const char* k : {"lm_loss", "aux_loss", "aux_attn_accuracy", "loss"})
    EXPECT_NEAR(got.at(k).data[0], ref.at(k).data[0], 1e-5) << k;
  // Logits at each block's last position and the last block's tail (1e-4).
  const auto& lg = got.at("logits");
  ASSERT_EQ(lg.shape, (std::vector<int64_t>{2, 6 * 224, 259}));
  const int64_t B = 2, M = 6, H = 224, V = 259, T = M * H;
  double worst = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < M; ++j)
      for (int64_t v = 0; v < V; ++v) {
        const int64_t t = j * H + H - 1;
        worst = std::max(worst, std::fabs(double(lg.data[(b * T + t) * V + v]) -
                                          ref.at("logits_block_last_position").data[(b * M + j) * V + v]));
      }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < 32; ++i)
      for (int64_t v = 0; v < V; ++v)
        worst = std::max(worst, std::fabs(double(lg.data[(b * T + T - 32 + i) * V + v]) -
                                          ref.at("logits_last_block_tail32").data[(b * 32 + i) * V + v]));
  EXPECT_LE(worst, 1e-4);
  // The readout at the two rows the loss uses: scaled scores, masked keys at 0.7·finfo.min.
  const auto& scores = got.at("aux_scores");  // [B, 4, 16, T]
  ASSERT_EQ(scores.shape, (std::vector<int64_t>{2, 4, 16, T}));
  const auto& rows = ref.at("bracket_rows_in_last16").data;  // [B, 2]
  const auto& two = ref.at("aux_scores_2rows").data;         // [B, 4, 2, T]
  double worst_score = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < 4; ++h)
      for (int64_t r2 = 0; r2 < 2; ++r2)
        for (int64_t t = 0; t < T; ++t) {
          const auto row = static_cast<int64_t>(rows[b * 2 + r2]);
          const double g = scores.data[((b * 4 + h) * 16 + row) * T + t], w = two[((b * 4 + h) * 2 + r2) * T + t];
          if (w < -1e30) EXPECT_LT(g, -1e30) << "a masked key must stay masked";
          else worst_score = std::max(worst_score, std::fabs(g - w));
        }
  EXPECT_LE(worst_score, 1e-4);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < 4; ++n)
      EXPECT_NEAR(got.at("aux_doc_scores").data[b * 4 + n], ref.at("aux_doc_scores").data[b * 4 + n], 1e-5);
  // Gradients of loss = lm_loss + 0.1·aux_loss (1e-3 relative).
  int grads = 0;
  for (const auto& [name, t] : ref) {
    if (name.rfind("grad.", 0) != 0) continue;
    ASSERT_TRUE(got.count(name)) << name;
    EXPECT_LE(max_diff(got.at(name), t), 1e-3 * max_abs(t) + 1e-7) << name;
    ++grads;
  }
  EXPECT_EQ(grads, 4);
}

TEST(BlockRankCli, LogitsLossesReadoutAndGradsMatchTheOriginalFused) { check_against_golden("blockrank"); }
TEST(BlockRankCli, LogitsLossesReadoutAndGradsMatchTheOriginalEager) { check_against_golden("eager_blockrank"); }

TEST(BlockRankCli, LogitsRejectsAReadoutLayerBeyondTheModel) {
  ScratchDir dir;
  auto r = run_process({ragforge_bin(), "logits", "--attention", "blockrank", "--model", golden_dir() + "/model",
                        "--inputs", golden_dir() + "/golden.safetensors", "--out", dir / "o.safetensors",
                        "--aux-layer", "3"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--aux-layer 3 is not a layer of this 3-layer model"), std::string::npos) << r.err;
}

// ---- training -------------------------------------------------------------------

std::string make_ranking_data(const ScratchDir& dir, const std::string& split, int rows, int docs) {
  const std::string path = dir / ("ranking-" + split + ".jsonl");
  std::vector<std::string> argv = {ragforge_bin(), "demo-data", "--kind", "ranking", "--split", split,
                                   "--rows", std::to_string(rows), "--docs", std::to_string(docs), "--out", path};
  if (split == "test") argv.insert(argv.end(), {"--qrels", dir / "ranking-test.qrels.tsv"});
  auto r = run_process(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

// A 2-layer 32-wide model on 4 documents per prompt, every step logged.
std::vector<std::string> quick(const std::string& data, int steps) {
  return {"-cp", source_dir() + "/configs/blockrank", "-cn", "demo", "data.data_path=" + data,
          "data.num_documents=4", "model.init_config.hidden_size=32", "model.init_config.intermediate_size=64",
          "model.init_config.num_hidden_layers=2", "training.aux_layer_idx=1",
          "+training.max_steps=" + std::to_string(steps), "training.logging_steps=1", "training.eval_steps=1000",
          "training.save_steps=1000", "training.output_dir=out", "hydra.run.dir=run"};
}

ProcessResult train(const ScratchDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), bin("train"));
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"OMP_NUM_THREADS", "1"}, {"WANDB_MODE", "disabled"}};
  return run_process(args, o);
}

TEST(BlockRankCli, TrainsAndLogsEveryLossAndAccumulationMatchesOneBigBatch) {
  ScratchDir dir;
  const std::string data = make_ranking_data(dir, "train", 24, 4);
  auto args = quick(data, 2);
  args.push_back("training.per_device_train_batch_size=4");
  auto big = train(dir, args);
  ASSERT_EQ(big.exit_code, 0) << big.err;
  auto one = jsonl_lines_with(dir / "run/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(one.size(), 2u);
  for (const char* k : {"train/lm_loss", "train/aux_loss", "train/aux_attn_accuracy", "train/mean_token_accuracy",
                        "train/grad_norm", "train/lr"})
    EXPECT_TRUE(one[0].contains(k)) << k << " missing: " << one[0].dump();
  // loss = lm_loss + 0.1·aux_loss, nothing else rescaled (Decision 2).
  EXPECT_NEAR(one[0]["train/loss"].get<double>(),
              one[0]["train/lm_loss"].get<double>() + 0.1 * one[0]["train/aux_loss"].get<double>(), 1e-5);
  // Two micro-batches of 2 (each completion "[i]" + eos has the same length, so
  // the mean of means is the mean; the block length H differs per batch, so
  // padding must not change the numbers either).
  fs::remove_all(dir / "run");
  fs::remove_all(dir / "out");
  args = quick(data, 2);
  args.push_back("training.per_device_train_batch_size=2");
  args.push_back("training.gradient_accumulation_steps=2");
  auto acc = train(dir, args);
  ASSERT_EQ(acc.exit_code, 0) << acc.err;
  auto two = jsonl_lines_with(dir / "run/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(two.size(), 2u);
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_NEAR(one[s]["train/loss"].get<double>(), two[s]["train/loss"].get<double>(), 2e-5) << "step " << s + 1;
    EXPECT_NEAR(one[s]["train/grad_norm"].get<double>(), two[s]["train/grad_norm"].get<double>(), 1e-4);
  }
  EXPECT_TRUE(fs::exists(dir / "out/model.safetensors")) << "the final model is saved into output_dir";
  EXPECT_TRUE(fs::exists(dir / "out/train_config.yaml"));
  EXPECT_TRUE(fs::exists(dir / "out/tokenizer.json"));
}

TEST(BlockRankCli, ResumeFromACheckpointGivesTheSameLosses) {
  ScratchDir dir;
  const std::string data = make_ranking_data(dir, "train", 16, 4);
  auto args = quick(data, 4);
  args.push_back("training.per_device_train_batch_size=2");
  args.push_back("training.save_steps=2");
  args.push_back("training.save_total_limit=-1");
  auto full = train(dir, args);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  auto straight = jsonl_lines_with(dir / "run/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(straight.size(), 4u);
  ASSERT_TRUE(fs::exists(dir / "out/checkpoint-2"));

  fs::remove_all(dir / "run");
  args.push_back("+training.resume_from_checkpoint=out/checkpoint-2");
  auto resumed = train(dir, args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  auto after = jsonl_lines_with(dir / "run/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(after.size(), 2u);
  for (size_t s = 0; s < 2; ++s)
    for (const char* k : {"train/loss", "train/aux_loss", "train/grad_norm"})
      EXPECT_NEAR(after[s][k].get<double>(), straight[s + 2][k].get<double>(), 1e-6) << k << " at step " << s + 3;
}

TEST(BlockRankCli, AConfigInTheOriginalsLayoutTrainsWithTargetAddedOnTheCommandLine) {
  ScratchDir dir;
  const std::string data = make_ranking_data(dir, "train", 8, 4);
  // The demo config without its _target_ line: a user's YAML in the original layout.
  std::ifstream in(source_dir() + "/configs/blockrank/demo.yaml");
  std::string yaml, line;
  while (std::getline(in, line))
    if (line.rfind("_target_:", 0) != 0) yaml += line + "\n";
  dir.write("mine.yaml", yaml);
  auto args = quick(data, 1);
  args[1] = dir.path();
  args[3] = "mine";
  auto without = train(dir, args);
  EXPECT_NE(without.exit_code, 0);
  EXPECT_NE(without.err.find("add +_target_=ragforge.recipes.BlockRank"), std::string::npos) << without.err;
  args.push_back("+_target_=ragforge.recipes.BlockRank");
  auto with = train(dir, args);
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_TRUE(fs::exists(dir / "out/model.safetensors"));
}

std::string write_rows(const ScratchDir& dir, const std::string& text) { return dir.write("bad.jsonl", text); }

TEST(BlockRankCli, BadInputsAreClearErrors) {
  ScratchDir dir;
  const std::string good = make_ranking_data(dir, "train", 8, 4);
  struct Case {
    std::vector<std::string> extra;
    std::string data;  // "" = the good data
    std::string expected;
  };
  std::vector<Case> cases = {
      {{}, R"({"query": "q", "documents": [], "answer_ids": []})" "\n", "bad.jsonl:1"},
      {{"training.aux_layer_idx=2"}, "", "training.aux_layer_idx 2 is not a layer of this 2-layer model"},
      {{"+model.use_4bit=true"}, "",
       "quantized base weights (model.use_4bit) are not supported yet; set model.use_4bit=false to train with bf16 "
       "base weights"},
      {{"data.num_documents=12", "data.train_test_split=1"},
       R"({"query": "q", "documents": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"], )"
       R"("answer_ids": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]})" "\n",
       "completion longer than num_last_queries-1 tokens"},
  };
  for (const auto& c : cases) {
    const std::string data = c.data.empty() ? good : write_rows(dir, c.data);
    auto args = quick(data, 1);
    for (const auto& e : c.extra) args.push_back(e);
    auto r = train(dir, args);
    EXPECT_NE(r.exit_code, 0) << c.expected;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in:\n" << r.err;
  }
}

TEST(BlockRankCli, AnswerIdsMissingFromTheDocumentsAreDroppedAndCounted) {
  ScratchDir dir;
  std::string rows;
  for (int i = 0; i < 4; ++i)
    rows += R"({"query": "q)" + std::to_string(i) + R"(", "documents": ["a b", "c d", "e f"], "answer_ids": ["1", "nope"]})" "\n";
  const std::string data = write_rows(dir, rows);
  auto args = quick(data, 1);
  args.push_back("data.num_documents=3");
  auto r = train(dir, args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream f(dir / "run/logs/metrics.jsonl");
  double dropped = -1;
  for (std::string line; std::getline(f, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("data/dropped_answer_ids")) dropped = j["data/dropped_answer_ids"].get<double>();
  }
  EXPECT_EQ(dropped, 4);
}

// ---- evaluation ---------------------------------------------------------------------

TEST(BlockRankCli, EvalWritesMetricsAndARunFileInBothModes) {
  ScratchDir dir;
  const std::string data = make_ranking_data(dir, "train", 8, 4);
  ASSERT_EQ(train(dir, quick(data, 1)).exit_code, 0);
  const std::string test = make_ranking_data(dir, "test", 5, 4);
  for (const std::string mode : {"attn", "decode"}) {
    ProcessOptions o;
    o.cwd = dir.path();
    auto r = run_process({ragforge_bin(), "blockrank-eval", "model.model_name_or_path=out", "eval.data_path=" + test,
                          "eval.qrels_path=" + (dir / "ranking-test.qrels.tsv"), "eval.aux_layer_idx=1",
                          "eval.mode=" + mode, "eval.output_dir=eval-" + mode, "hydra.run.dir=run-eval-" + mode},
                         o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ifstream mf(dir / ("eval-" + mode + "/" + mode + "_eval_metrics.json"));
    ASSERT_TRUE(mf.good()) << mode;
    auto m = nlohmann::json::parse(mf);
    EXPECT_EQ(m["total"], 5);
    for (const char* k : {"accuracy", "invalid_rate", "ndcg@1", "ndcg@10", "mrr@10"}) EXPECT_TRUE(m.contains(k)) << k;
    if (mode == "attn") {
      EXPECT_EQ(m["attn_layer"], 1);
      EXPECT_EQ(m["invalid_rate"], 0.0) << "the readout always ranks";
    }
    std::ifstream run(dir / ("eval-" + mode + "/" + mode + "_run.trec"));
    int lines = 0;
    for (std::string line; std::getline(run, line);) ++lines;
    EXPECT_EQ(lines, 5 * 4) << "every candidate of every query";
  }
}

}  // namespace
}  // namespace ragforge::testing
