// The recipes through the real CLI at world size 2, as users start them:
// `ragforge launch --nproc-per-node 2 -- train ...` equals one `train` with
// twice the accumulation (RAG-FiT SFT and BlockRank), and the secondary rank
// writes nothing into its run and output directories.
#include <gtest/gtest.h>

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

std::string bin(const std::string& name) { return (fs::path(ragforge_bin()).parent_path() / name).string(); }

ProcessResult run_in(const ScratchDir& dir, std::vector<std::string> argv) {
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"OMP_NUM_THREADS", "1"}, {"WANDB_MODE", "disabled"}};
  return run_process(argv, o);
}

ProcessResult train(const ScratchDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), bin("train"));
  return run_in(dir, args);
}

ProcessResult launch_train(const ScratchDir& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {ragforge_bin(), "launch", "--nproc-per-node", "2", "--master-port", "0",
                                   "--rank-prefix", "--", bin("train")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_in(dir, argv);
}

void expect_same_losses(const std::string& one, const std::string& two, const std::vector<std::string>& keys,
                        size_t steps) {
  auto a = jsonl_lines_with(one, "train/loss"), b = jsonl_lines_with(two, "train/loss");
  ASSERT_EQ(a.size(), steps);
  ASSERT_EQ(b.size(), steps);
  for (size_t s = 0; s < steps; ++s) {
    for (const auto& k : keys)
      EXPECT_NEAR(a[s][k].get<double>(), b[s][k].get<double>(), 1e-6) << k << " at step " << s + 1;
    EXPECT_EQ(a[s]["train/tokens"], b[s]["train/tokens"]) << "step " << s + 1;
  }
}

void expect_same_weights(const std::string& a_path, const std::string& b_path) {
  auto a = read_safetensors(a_path), b = read_safetensors(b_path);
  ASSERT_FALSE(a.empty()) << a_path;
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    EXPECT_LE(max_diff(t, b.at(name)), 1e-6) << name;
  }
}

TEST(DistributedRecipes, RagFitOnTwoRanksEqualsOneRankWithAccumulationTwo) {
  ScratchDir dir;
  const std::string data = first_demo_rows(dir, 24);
  auto args = [&](const std::string& name, int accum) {
    return std::vector<std::string>{
        "data_file=" + data, "train.max_steps=3", "train.logging_steps=1", "train.per_device_train_batch_size=2",
        "train.gradient_accumulation_steps=" + std::to_string(accum), "train.save_steps=1000", "train.eval_steps=0",
        "model.max_sequence_len=320", "hydra.run.dir=run_" + name, "train.output_dir=out_" + name};
  };
  auto one = train(dir, args("one", 2));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto two = launch_train(dir, args("two", 1));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.out.find("[rank0]: train: data parallel over 2 ranks (gloo), ZeRO-0"), std::string::npos) << two.out;
  expect_same_losses(dir / "run_one/logs/metrics.jsonl", dir / "run_two/logs/metrics.jsonl",
                     {"train/loss", "train/grad_norm"}, 3);
  // The tiny model trains from scratch: the final artefact is the whole model.
  expect_same_weights(dir / "out_one/checkpoint/model.safetensors", dir / "out_two/checkpoint/model.safetensors");
}

TEST(DistributedRecipes, TheSecondRankWritesNothingIntoItsRunOrOutputDir) {
  ScratchDir dir;
  const std::string data = first_demo_rows(dir, 16);
  // Each rank names its own directories, so anything rank 1 wrote would show.
  auto r = launch_train(dir, {"data_file=" + data, "train.max_steps=2", "train.logging_steps=1",
                              "train.per_device_train_batch_size=2", "train.save_steps=1", "train.eval_steps=1",
                              "model.max_sequence_len=320", "hydra.run.dir=run_${oc.env:RANK}",
                              "train.output_dir=out_${oc.env:RANK}"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* p : {"run_0/.hydra/config.yaml", "run_0/.hydra/overrides.yaml", "run_0/train.log",
                        "run_0/logs/metrics.jsonl", "out_0/checkpoint-1/trainer_state/state.json",
                        "out_0/checkpoint-2/trainer_state/state.json", "out_0/final_results.json", "out_0/latest"})
    EXPECT_TRUE(fs::exists(dir / p)) << p;
  for (const char* d : {"run_1", "out_1"}) {
    if (!fs::exists(dir / d)) continue;
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(dir / d)) found.push_back(e.path().string());
    EXPECT_TRUE(found.empty()) << d << " holds " << found.front();
  }
  // Validation ran on every rank but was logged once, by rank 0.
  size_t evals = 0;
  for (size_t at = r.out.find("[eval] step"); at != std::string::npos; at = r.out.find("[eval] step", at + 1)) ++evals;
  EXPECT_EQ(evals, 2u) << r.out;
  EXPECT_EQ(r.out.find("[rank1]: [eval]"), std::string::npos) << r.out;
}

// ---- BlockRank ------------------------------------------------------------------

std::string make_ranking_data(const ScratchDir& dir, int rows, int docs) {
  const std::string path = dir / "ranking-train.jsonl";
  auto r = run_process({ragforge_bin(), "demo-data", "--kind", "ranking", "--split", "train", "--rows",
                        std::to_string(rows), "--docs", std::to_string(docs), "--out", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return path;
}

TEST(DistributedRecipes, BlockRankOnTwoRanksEqualsOneRankWithAccumulationTwo) {
  ScratchDir dir;
  const std::string data = make_ranking_data(dir, 24, 4);
  auto args = [&](const std::string& name, int accum) {
    return std::vector<std::string>{
        "-cp", source_dir() + "/configs/blockrank", "-cn", "demo", "data.data_path=" + data, "data.num_documents=4",
        "model.init_config.hidden_size=32", "model.init_config.intermediate_size=64",
        "model.init_config.num_hidden_layers=2", "training.aux_layer_idx=1", "+training.max_steps=2",
        "training.logging_steps=1", "training.eval_steps=1000", "training.save_steps=1000",
        "training.per_device_train_batch_size=2", "training.gradient_accumulation_steps=" + std::to_string(accum),
        "+training.distributed.bucket_mb=0.01", "training.output_dir=out_" + name, "hydra.run.dir=run_" + name};
  };
  auto one = train(dir, args("one", 2));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto two = launch_train(dir, args("two", 1));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  expect_same_losses(dir / "run_one/logs/metrics.jsonl", dir / "run_two/logs/metrics.jsonl",
                     {"train/loss", "train/lm_loss", "train/aux_loss", "train/grad_norm"}, 2);
  expect_same_weights(dir / "out_one/model.safetensors", dir / "out_two/model.safetensors");
}

}  // namespace
}  // namespace ragforge::testing
