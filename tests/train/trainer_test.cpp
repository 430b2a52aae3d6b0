// The shared training loop on a tiny real model (toy_recipe.h), CPU only:
// accumulation equivalence, exact resume, signals, partial checkpoints,
// retention, non-finite guards and the metrics file.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "metrics/jsonl_sink.h"
#include "train/checkpoint_store.h"
#include "train/trainer.h"
#include "../torch/torch_test_util.h"
#include "toy_recipe.h"

namespace ragforge {
namespace {

namespace fs = std::filesystem;
using testing::ToyOptions;
using testing::ToyRecipe;
using testing::quiet_args;

train::TrainResult run(ToyRecipe& recipe, const settings::TrainingArguments& args) {
  train::TrainerContext ctx;
  ctx.config_yaml = "toy: 1\n";
  return train::train(recipe, args, std::move(ctx));
}

std::vector<nlohmann::json> read_metrics(const std::string& output_dir) {
  std::ifstream in(output_dir + "/logs/metrics.jsonl");
  std::vector<nlohmann::json> lines;
  std::string text;
  while (std::getline(in, text)) lines.push_back(nlohmann::json::parse(text));
  return lines;
}

// train/loss by step from the train lines.
std::map<int64_t, double> train_losses(const std::vector<nlohmann::json>& lines) {
  std::map<int64_t, double> out;
  for (const auto& l : lines)
    if (l.contains("train/loss") && l["train/loss"].is_number()) out[l["step"].get<int64_t>()] = l["train/loss"].get<double>();
  return out;
}

double max_weight_diff(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  double worst = 0;
  for (const auto& [name, t] : a) worst = std::max(worst, testing::max_abs_diff(t, b.at(name)));
  return worst;
}

bool weights_equal(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  for (const auto& [name, t] : a)
    if (!torch::equal(t, b.at(name))) return false;
  return a.size() == b.size();
}

// ---- (1) gradient accumulation ---------------------------------------------------

void expect_accumulation_equivalent(const std::string& reduction, bool varied_prompts) {
  testing::TempDir tmp;
  std::vector<std::pair<int64_t, int64_t>> splits = {{4, 1}, {2, 2}, {1, 4}};  // batch × accum = 4 rows per step
  std::vector<std::map<std::string, torch::Tensor>> weights;
  std::vector<std::map<int64_t, double>> losses;
  for (auto [batch, accum] : splits) {
    ToyOptions o;
    o.batch = batch;
    o.varied_prompts = varied_prompts;
    ToyRecipe recipe(o);
    auto args = quiet_args(tmp.path() + "/b" + std::to_string(batch));
    args.gradient_accumulation_steps = accum;
    args.per_device_train_batch_size = batch;
    args.loss_reduction = reduction;
    args.num_train_epochs = 2;  // 16 rows / 4 per step = 4 steps per epoch
    auto result = run(recipe, args);
    ASSERT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.global_step, 8);
    weights.push_back(recipe.weights());
    losses.push_back(train_losses(read_metrics(args.output_dir)));
  }
  for (size_t i = 1; i < splits.size(); ++i) {
    EXPECT_LE(max_weight_diff(weights[0], weights[i]), 1e-6) << reduction << " split " << i;
    ASSERT_EQ(losses[i].size(), 8u);
    for (const auto& [step, loss] : losses[0]) EXPECT_NEAR(losses[i].at(step), loss, 1e-6) << "step " << step;
  }
}

TEST(TrainerAccumulation, TokenMeanIsIndependentOfTheSplit) { expect_accumulation_equivalent("token_mean", true); }

TEST(TrainerAccumulation, MicrobatchMeanWithEqualCountsIsIndependentOfTheSplit) {
  expect_accumulation_equivalent("microbatch_mean", false);
}

TEST(TrainerAccumulation, MicrobatchMeanWeighsMicroBatchesEquallyWhenCountsDiffer) {
  // With unequal supervised counts the two reductions differ (the point of the option).
  testing::TempDir tmp;
  std::map<std::string, std::map<int64_t, double>> losses;
  for (std::string reduction : {"microbatch_mean", "token_mean"}) {
    ToyOptions o;
    o.batch = 1;
    ToyRecipe recipe(o);
    auto args = quiet_args(tmp.path() + "/" + reduction);
    args.gradient_accumulation_steps = 4;
    args.loss_reduction = reduction;
    args.max_steps = 1;
    ASSERT_EQ(run(recipe, args).exit_code, 0);
    losses[reduction] = train_losses(read_metrics(args.output_dir));
  }
  EXPECT_GT(std::abs(losses["microbatch_mean"][1] - losses["token_mean"][1]), 1e-4);
}

TEST(TrainerAccumulation, PartialFinalGroupStillSteps) {
  testing::TempDir tmp;
  ToyOptions o;
  o.rows = 10;
  o.batch = 2;  // 5 micro-batches per epoch, accum 2 → 3 steps per epoch
  ToyRecipe recipe(o);
  auto args = quiet_args(tmp.path());
  args.gradient_accumulation_steps = 2;
  args.num_train_epochs = 1.5;  // ceil(1.5 × 3) = 5
  EXPECT_EQ(train::total_training_steps(args, recipe.micro_batches_per_epoch()), 5);
  auto result = run(recipe, args);
  EXPECT_EQ(result.global_step, 5);
  auto lines = read_metrics(tmp.path());
  // Step 3 holds only micro-batch 4: 2 rows × 8 tokens; steps 1 and 2 hold 32 each.
  EXPECT_EQ(lines[2]["train/tokens"].get<int64_t>(), 32 + 32 + 16);
  EXPECT_DOUBLE_EQ(result.metrics["epoch"].get<double>(), 1.0 + 4.0 / 5.0);
}

// ---- (2) exact resume --------------------------------------------------------------

TEST(TrainerResume, HalfThenResumeEqualsStraightRunBitForBit) {
  testing::TempDir tmp;
  ToyOptions o;
  o.dropout = 0.2;  // the CPU generator must be restored
  ToyRecipe straight(o);
  auto args = quiet_args(tmp.path() + "/straight");
  args.max_steps = 6;
  ASSERT_EQ(run(straight, args).exit_code, 0);
  auto expected_losses = train_losses(read_metrics(args.output_dir));

  // Second run saves at 3 and crashes in step 5 (after logging step 4).
  auto args2 = quiet_args(tmp.path() + "/resumed");
  args2.max_steps = 6;
  args2.save_strategy = "steps";
  args2.save_steps = 3;
  {
    ToyRecipe first(o);
    first.on_micro_batch = [](int64_t epoch, int64_t index) {  // 4 micro-batches per epoch
      if (epoch == 1 && index == 0) throw std::runtime_error("crash in step 5");
    };
    EXPECT_THROW(run(first, args2), std::runtime_error);
  }
  ASSERT_TRUE(train::CheckpointStore::is_complete(args2.output_dir + "/checkpoint-3"));
  EXPECT_EQ(read_metrics(args2.output_dir).back()["step"], 4);

  ToyOptions other_init = o;
  other_init.init_seed = 99;  // weights must come from the checkpoint
  ToyRecipe resumed(other_init);
  args2.resume_from_checkpoint = "latest";
  auto result = run(resumed, args2);
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.global_step, 6);
  EXPECT_TRUE(weights_equal(straight.weights(), resumed.weights()));

  // metrics.jsonl: step 4 was truncated on resume and logged again, once.
  auto lines = read_metrics(args2.output_dir);
  std::vector<int64_t> steps;
  for (const auto& l : lines)
    if (l.contains("train/loss")) steps.push_back(l["step"].get<int64_t>());
  EXPECT_EQ(steps, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  auto losses = train_losses(lines);
  for (const auto& [step, loss] : expected_losses) EXPECT_EQ(losses.at(step), loss) << "step " << step;
}

// ---- (3) signals -----------------------------------------------------------------

TEST(TrainerSignals, SigtermSavesResumableCheckpointAndExits143) {
  testing::TempDir tmp;
  ToyOptions o;
  o.dropout = 0.1;
  ToyRecipe straight(o);
  auto args = quiet_args(tmp.path() + "/straight");
  args.max_steps = 6;
  ASSERT_EQ(run(straight, args).exit_code, 0);

  auto args2 = quiet_args(tmp.path() + "/preempted");
  args2.max_steps = 6;
  ToyRecipe first(o);
  first.on_micro_batch = [](int64_t, int64_t index) {
    if (index == 2) std::raise(SIGTERM);  // during step 3
  };
  auto stopped = run(first, args2);
  EXPECT_EQ(stopped.exit_code, 143);
  EXPECT_EQ(stopped.global_step, 3);
  train::CheckpointStore store(args2.output_dir);
  EXPECT_EQ(store.latest_name().value_or(""), "checkpoint-3");
  EXPECT_TRUE(train::CheckpointStore::is_complete(args2.output_dir + "/checkpoint-3"));
  EXPECT_FALSE(fs::exists(args2.output_dir + "/final_results.json"));

  // The previous (default) handler is back.
  struct sigaction current {};
  sigaction(SIGTERM, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_DFL);

  ToyOptions other = o;
  other.init_seed = 5;
  ToyRecipe resumed(other);
  args2.resume_from_checkpoint = "latest";
  auto done = run(resumed, args2);
  EXPECT_EQ(done.exit_code, 0);
  EXPECT_EQ(done.global_step, 6);
  EXPECT_TRUE(weights_equal(straight.weights(), resumed.weights()));
}

TEST(TrainerSignals, SigintExits130) {
  testing::TempDir tmp;
  ToyRecipe recipe(ToyOptions{});
  recipe.on_micro_batch = [](int64_t, int64_t index) {
    if (index == 1) std::raise(SIGINT);
  };
  auto args = quiet_args(tmp.path());
  args.max_steps = 4;
  auto result = run(recipe, args);
  EXPECT_EQ(result.exit_code, 130);
  EXPECT_EQ(result.global_step, 2);
  EXPECT_TRUE(train::CheckpointStore::is_complete(tmp.path() + "/checkpoint-2"));
}

// ---- (4) partial checkpoints ------------------------------------------------------

TEST(TrainerCheckpoints, WriterKilledMidwayLeavesNothingResumeWouldUse) {
  testing::TempDir tmp;
  ToyOptions o;
  ToyRecipe straight(o);
  auto args = quiet_args(tmp.path() + "/straight");
  args.max_steps = 6;
  ASSERT_EQ(run(straight, args).exit_code, 0);

  auto args2 = quiet_args(tmp.path() + "/killed");
  args2.max_steps = 6;
  args2.save_strategy = "steps";
  args2.save_steps = 2;
  {
    ToyRecipe first(o);
    first.fail_save_number = 2;  // dies while writing checkpoint-4
    EXPECT_THROW(run(first, args2), std::runtime_error);
  }
  EXPECT_TRUE(fs::exists(args2.output_dir + "/.tmp-checkpoint-4/partial.txt"));
  EXPECT_FALSE(fs::exists(args2.output_dir + "/checkpoint-4"));
  // A published-looking directory without trainer_state/state.json is incomplete too.
  fs::create_directories(args2.output_dir + "/checkpoint-5/trainer_state");
  EXPECT_EQ(train::CheckpointStore(args2.output_dir).newest_complete().value_or(""), args2.output_dir + "/checkpoint-2");

  auto explicit_args = args2;
  explicit_args.resume_from_checkpoint = args2.output_dir + "/checkpoint-5";
  ToyRecipe rejected(o);
  try {
    run(rejected, explicit_args);
    ADD_FAILURE() << "resuming from an incomplete checkpoint must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("incomplete"), std::string::npos) << e.what();
  }

  ToyRecipe resumed(o);
  args2.resume_from_checkpoint = "latest";
  auto result = run(resumed, args2);
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_FALSE(fs::exists(args2.output_dir + "/.tmp-checkpoint-4"));  // stale tmp deleted at start-up
  EXPECT_TRUE(train::CheckpointStore::is_complete(args2.output_dir + "/checkpoint-4"));
  EXPECT_TRUE(weights_equal(straight.weights(), resumed.weights()));
}

// ---- (5) retention -------------------------------------------------------------------

TEST(TrainerCheckpoints, RetentionKeepsNewestAndBest) {
  testing::TempDir tmp;
  ToyRecipe recipe(ToyOptions{});
  recipe.scripted_val = {3.0, 1.0, 2.0, 2.5, 2.7};  // best at step 2
  auto args = quiet_args(tmp.path());
  args.max_steps = 5;
  args.save_strategy = "steps";
  args.save_steps = 1;
  args.eval_strategy = "steps";
  args.eval_steps = 1;
  args.save_total_limit = 1;
  ASSERT_EQ(run(recipe, args).exit_code, 0);
  train::CheckpointStore store(tmp.path());
  EXPECT_EQ(store.complete_checkpoints(), (std::vector<std::string>{"checkpoint-2", "checkpoint-5"}));
  EXPECT_EQ(store.best_name().value_or(""), "checkpoint-2");
  EXPECT_EQ(store.latest_name().value_or(""), "checkpoint-5");
  auto best = nlohmann::json::parse(std::ifstream(tmp.path() + "/best.json"));
  EXPECT_EQ(best["step"], 2);
  EXPECT_DOUBLE_EQ(best["value"].get<double>(), 1.0);
  auto results = nlohmann::json::parse(std::ifstream(tmp.path() + "/final_results.json"));
  EXPECT_DOUBLE_EQ(results["val/loss"].get<double>(), 2.7);
  EXPECT_DOUBLE_EQ(results["data/rows"].get<double>(), 16.0);
}

TEST(CheckpointStore, PruneNeverDeletesLatestOrBest) {
  testing::TempDir tmp;
  train::CheckpointStore store(tmp.path());
  for (int step : {1, 2, 3, 4}) {
    std::string dir = store.begin("checkpoint-" + std::to_string(step));
    fs::create_directories(dir + "/trainer_state");
    std::ofstream(dir + "/trainer_state/state.json") << "{}";
    store.publish("checkpoint-" + std::to_string(step));
  }
  store.write_best("checkpoint-1", 1, "val/loss", 0.5);
  ragforge::write_file_atomic(tmp.path() + "/latest", "checkpoint-3\n");
  auto deleted = store.prune(1);
  EXPECT_EQ(deleted, (std::vector<std::string>{"checkpoint-2"}));
  EXPECT_EQ(store.complete_checkpoints(), (std::vector<std::string>{"checkpoint-1", "checkpoint-3", "checkpoint-4"}));
}

TEST(CheckpointStore, WriteBestKeepsTheKeysARecipeAdded) {
  testing::TempDir tmp;
  train::CheckpointStore store(tmp.path(), "checkpoint_step_");
  ragforge::write_file_atomic(tmp.path() + "/best.json", R"({"step": 8, "val_loss": 0.125, "path": "x/best"})");
  store.write_best("checkpoint_step_8", 8, "val/loss", 0.125);
  auto best = nlohmann::json::parse(std::ifstream(tmp.path() + "/best.json"));
  EXPECT_EQ(best["checkpoint"], "checkpoint_step_8");
  EXPECT_EQ(best["step"], 8);
  EXPECT_EQ(best["value"], 0.125);
  EXPECT_EQ(best["val_loss"], 0.125);  // the recipe wrote its keys at the same step
  EXPECT_EQ(best["path"], "x/best");
}

// ---- (6) non-finite guards ----------------------------------------------------------

TEST(TrainerNonfinite, SkipsAndCountsIsolatedNaNs) {
  testing::TempDir tmp;
  ToyRecipe recipe(ToyOptions{});
  recipe.nan_at = {{0, 1}, {0, 3}};  // steps 2 and 4
  std::map<int64_t, std::map<std::string, torch::Tensor>> at_start;  // weights when a micro-batch is drawn
  recipe.on_micro_batch = [&](int64_t epoch, int64_t index) {
    if (epoch == 0) at_start[index] = recipe.weights();
  };
  auto args = quiet_args(tmp.path());
  args.max_steps = 6;
  auto result = run(recipe, args);
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.global_step, 6);
  EXPECT_EQ(result.metrics["train/nonfinite_skipped"], 2);
  EXPECT_TRUE(weights_equal(at_start[1], at_start[2]));   // step 2 made no update
  EXPECT_FALSE(weights_equal(at_start[2], at_start[3]));  // step 3 did
  auto lines = read_metrics(tmp.path());
  ASSERT_GE(lines.size(), 2u);
  EXPECT_TRUE(lines[1]["train/loss"].is_null());
  EXPECT_EQ(lines[1]["_nonfinite"], (nlohmann::json{"train/loss", "train/grad_norm"}));
  EXPECT_EQ(lines[1]["train/nonfinite_skipped"], 1);
  EXPECT_EQ(lines[5]["train/nonfinite_skipped"], 2);
}

TEST(TrainerNonfinite, StopsAfterMaxConsecutiveWithReport) {
  testing::TempDir tmp;
  ToyRecipe recipe(ToyOptions{});
  recipe.nan_at = {{0, 1}, {0, 2}, {0, 3}};
  auto args = quiet_args(tmp.path());
  args.max_steps = 6;
  args.nan_max_consecutive = 3;
  auto result = run(recipe, args);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.global_step, 3);  // steps 2 and 3 skipped, step 4 is the third in a row
  auto report = nlohmann::json::parse(std::ifstream(tmp.path() + "/nan-4/report.json"));
  EXPECT_EQ(report["step"], 4);
  EXPECT_EQ(report["consecutive"], 3);
  EXPECT_EQ(report["sample_ids"].size(), 4u);
  EXPECT_TRUE(report["grad_norms"].contains("head.weight"));
  EXPECT_TRUE(report["grad_norms"]["head.weight"].is_null());
  EXPECT_FALSE(fs::exists(tmp.path() + "/final_results.json"));
}

TEST(TrainerNonfinite, PolicyStopExitsAtFirst) {
  testing::TempDir tmp;
  ToyRecipe recipe(ToyOptions{});
  recipe.nan_at = {{0, 1}};
  auto args = quiet_args(tmp.path());
  args.max_steps = 6;
  args.nan_policy = "stop";
  auto result = run(recipe, args);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.global_step, 1);
  EXPECT_TRUE(fs::exists(tmp.path() + "/nan-2/report.json"));
}

// ---- (7) metrics.jsonl ---------------------------------------------------------------

TEST(TrainerMetrics, LinesHaveTheConventionShape) {
  testing::TempDir tmp;
  ToyRecipe recipe(ToyOptions{});
  auto args = quiet_args(tmp.path() + "/out");
  args.max_steps = 5;
  args.logging_steps = 2;
  args.eval_steps = 4;
  args.eval_strategy = "steps";
  train::TrainerContext ctx;
  ctx.run_dir = tmp.path() + "/run";
  auto result = train::train(recipe, args, std::move(ctx));
  ASSERT_EQ(result.exit_code, 0);
  auto lines = read_metrics(tmp.path() + "/run");
  // train lines at 2, 4 and the last step 5; val at 4; one final line.
  std::vector<int64_t> train_steps, val_steps;
  for (const auto& l : lines) {
    ASSERT_TRUE(l["step"].is_number_integer());
    ASSERT_TRUE(l["timestamp"].is_number_float());
    ASSERT_EQ(l["datetime"].get<std::string>().find('T'), 10u);
    if (l.contains("train/loss")) train_steps.push_back(l["step"]);
    if (l.contains("val/loss")) val_steps.push_back(l["step"]);
  }
  EXPECT_EQ(train_steps, (std::vector<int64_t>{2, 4, 5}));
  EXPECT_EQ(val_steps, (std::vector<int64_t>{4}));
  const auto& l = lines[0];
  EXPECT_EQ(l["train/lr"], l["train/learning_rate"]);
  EXPECT_EQ(l["sys/tokens_per_s"], l["train/tokens_per_sec"]);
  EXPECT_EQ(l["train/tokens"], 2 * 4 * 8);  // 2 steps × 4 rows × 8 tokens
  EXPECT_GT(l["train/grad_norm"].get<double>(), 0.0);
  EXPECT_GT(l["sys/step_time_s"].get<double>(), 0.0);
  EXPECT_GT(l["sys/mem_peak_gib"].get<double>(), 0.0);
  EXPECT_FALSE(l.contains("sys/mfu"));  // CPU, no flops_per_token
  // linear with 1 warmup step over S=5: step 2's update used lr·(5−1)/(5−1) at s=1.
  EXPECT_NEAR(l["train/lr"].get<double>(), 1e-2, 1e-12);
  const auto& final_line = lines.back();
  EXPECT_EQ(final_line["step"], 5);
  EXPECT_TRUE(final_line.contains("final/train_loss"));
  EXPECT_TRUE(final_line.contains("data/rows"));
  EXPECT_NEAR(final_line["final/train_loss"].get<double>(), result.train_loss, 1e-12);
}

TEST(MetricsJsonl, NonFiniteBecomesNullAndTruncationKeepsEarlierSteps) {
  testing::TempDir tmp;
  std::string path = tmp.path() + "/logs/metrics.jsonl";
  {
    metrics::JsonlSink sink(path);
    for (int step = 1; step <= 5; ++step) {
      auto line = metrics::make_line(step);
      metrics::put(line, "train/loss", step == 3 ? std::nan("") : 1.0 * step);
      sink.log(line);
    }
  }
  std::ofstream(path, std::ios::app) << "{\"step\": 6, \"train/lo";  // torn last line
  metrics::truncate_after_step(path, 3);
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  std::string text;
  while (std::getline(in, text)) lines.push_back(nlohmann::json::parse(text));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[2]["train/loss"].is_null());
  EXPECT_EQ(lines[2]["_nonfinite"], nlohmann::json::array({"train/loss"}));
  EXPECT_EQ(lines[1]["train/loss"], 2.0);
}

}  // namespace
}  // namespace ragforge
