// fp16 dynamic loss scaling in the shared training loop, on the fp32 toy
// recipe (LibTorch 1.13 has no fp16 matmul on CPU; the loop's scaling does
// not depend on the parameters' dtype): train.fp16 turns the scaler on, a
// step whose gradients overflow leaves the weights and the lr schedule alone,
// the next one proceeds, and resume restores the scale and growth tracker.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "train/checkpoint_store.h"
#include "train/trainer.h"
#include "train/trainer_state.h"
#include "../torch/torch_test_util.h"
#include "toy_recipe.h"

namespace ragforge {
namespace {

using testing::ToyOptions;
using testing::ToyRecipe;

settings::TrainingArguments fp16_args(const std::string& output_dir, int64_t max_steps) {
  settings::TrainingArguments a = testing::quiet_args(output_dir);
  a.fp16 = true;
  a.max_steps = max_steps;
  return a;
}

train::TrainResult run(ToyRecipe& recipe, const settings::TrainingArguments& args, int64_t growth_interval = 2000) {
  train::TrainerContext ctx;
  ctx.config_yaml = "toy: 1\n";
  ctx.loss_scaler.growth_interval = growth_interval;
  return train::train(recipe, args, std::move(ctx));
}

// The train lines of metrics.jsonl (the final line left out), by step.
std::map<int64_t, nlohmann::json> train_lines(const std::string& output_dir) {
  std::ifstream in(output_dir + "/logs/metrics.jsonl");
  std::map<int64_t, nlohmann::json> out;
  std::string text;
  while (std::getline(in, text)) {
    auto j = nlohmann::json::parse(text);
    if (j.contains("train/lr")) out[j["step"].get<int64_t>()] = j;
  }
  return out;
}

bool weights_equal(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  for (const auto& [name, t] : a)
    if (!torch::equal(t, b.at(name))) return false;
  return a.size() == b.size();
}

TEST(TrainerFp16, ScalingWithoutOverflowIsExactAndOnlyFp16LogsTheScale) {
  // A power-of-two scale and its inverse are exact in fp32: same weights and
  // losses as the unscaled run, bit for bit.
  testing::TempDir tmp;
  ToyRecipe plain(ToyOptions{}), scaled(ToyOptions{});
  auto args = fp16_args(tmp.path() + "/plain", 4);
  args.fp16 = false;
  args.gradient_accumulation_steps = 2;
  args.per_device_train_batch_size = 2;
  ASSERT_EQ(run(plain, args).exit_code, 0);
  auto args16 = args;
  args16.output_dir = tmp.path() + "/fp16";
  args16.fp16 = true;
  auto result = run(scaled, args16);
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_TRUE(weights_equal(plain.weights(), scaled.weights()));
  auto a = train_lines(args.output_dir), b = train_lines(args16.output_dir);
  ASSERT_EQ(b.size(), 4u);
  for (int64_t step = 1; step <= 4; ++step) {
    EXPECT_EQ(a.at(step)["train/loss"], b.at(step)["train/loss"]) << step;
    EXPECT_EQ(a.at(step)["train/grad_norm"], b.at(step)["train/grad_norm"]) << step;  // unscaled
    EXPECT_FALSE(a.at(step).contains("train/loss_scale"));
    EXPECT_EQ(b.at(step)["train/loss_scale"], 65536.0);
    EXPECT_EQ(b.at(step)["train/overflow_skipped"], 0);
  }
  EXPECT_EQ(result.metrics["train/overflow_skipped"], 0);
  EXPECT_EQ(result.metrics["train/loss_scale"], 65536.0);
  auto plain_results = nlohmann::json::parse(std::ifstream(args.output_dir + "/final_results.json"));
  EXPECT_FALSE(plain_results.contains("train/overflow_skipped"));
}

TEST(TrainerFp16, OverflowSkipsTheUpdateAndTheSchedulerThenTrainingProceeds) {
  testing::TempDir tmp;
  ToyRecipe recipe(ToyOptions{});  // 4 micro-batches of 4 rows: step k draws micro-batch k-1
  recipe.inf_grad_at = {{0, 1}, {0, 2}};  // steps 2 and 3 overflow
  std::map<int64_t, std::map<std::string, torch::Tensor>> at_start;
  recipe.on_micro_batch = [&](int64_t epoch, int64_t index) {
    if (epoch == 0) at_start[index] = recipe.weights();
  };
  auto args = fp16_args(tmp.path(), 5);
  args.nan_max_consecutive = 1;  // overflow skips must not count towards it
  args.warmup_steps = 0;         // linear over S=5: lr × (5 − scheduler step)/5
  auto result = run(recipe, args);
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.global_step, 5);
  EXPECT_FALSE(weights_equal(at_start[0], at_start[1]));  // step 1 updated
  EXPECT_TRUE(weights_equal(at_start[1], at_start[2]));   // step 2 did not
  EXPECT_TRUE(weights_equal(at_start[2], at_start[3]));   // nor step 3
  EXPECT_FALSE(weights_equal(at_start[3], recipe.weights()));  // steps 4 and 5 did

  auto lines = train_lines(tmp.path());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[1]["train/loss_scale"], 65536.0);
  EXPECT_EQ(lines[2]["train/loss_scale"], 32768.0);
  EXPECT_EQ(lines[3]["train/loss_scale"], 16384.0);
  EXPECT_EQ(lines[5]["train/loss_scale"], 16384.0);
  EXPECT_EQ(lines[2]["train/overflow_skipped"], 1);
  EXPECT_EQ(lines[5]["train/overflow_skipped"], 2);
  EXPECT_EQ(lines[5]["train/nonfinite_skipped"], 0);
  EXPECT_TRUE(lines[2]["train/loss"].is_number());  // the loss was finite and is logged
  EXPECT_TRUE(lines[2]["train/grad_norm"].is_null());
  // Steps 2 and 3 made no scheduler step, so 2, 3 and 4 all run at scheduler
  // step 1 (lr × 4/5) and step 5 at scheduler step 2 (lr × 3/5).
  EXPECT_NEAR(lines[1]["train/lr"].get<double>(), 1e-2, 1e-15);
  for (int64_t step : {2, 3, 4}) EXPECT_NEAR(lines[step]["train/lr"].get<double>(), 0.8e-2, 1e-15) << step;
  EXPECT_NEAR(lines[5]["train/lr"].get<double>(), 0.6e-2, 1e-15);

  auto results = nlohmann::json::parse(std::ifstream(tmp.path() + "/final_results.json"));
  EXPECT_EQ(results["train/overflow_skipped"], 2);
  EXPECT_EQ(results["train/nonfinite_skipped"], 0);
  EXPECT_EQ(results["train/loss_scale"], 16384.0);
}

TEST(TrainerFp16, NaNLossStillCountsAsNonfinite) {
  testing::TempDir tmp;
  ToyRecipe recipe(ToyOptions{});
  recipe.nan_at = {{0, 1}};
  auto args = fp16_args(tmp.path(), 3);
  auto result = run(recipe, args);
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.metrics["train/nonfinite_skipped"], 1);
  EXPECT_EQ(result.metrics["train/overflow_skipped"], 0);
  EXPECT_EQ(result.metrics["train/loss_scale"], 32768.0);  // NaN gradients back the scale off, as GradScaler
}

TEST(TrainerFp16, ResumeRestoresScaleAndGrowthTracker) {
  // growth_interval 2, overflow at step 2: the scale after steps 1..6 is
  // 65536, 32768, 32768 (tracker 1), 65536, 65536, 131072. Saved at step 3,
  // the resumed run grows at step 4 only if the tracker came back.
  testing::TempDir tmp;
  ToyOptions o;
  o.dropout = 0.1;
  ToyRecipe straight(o);
  straight.inf_grad_at = {{0, 1}};
  auto args = fp16_args(tmp.path() + "/straight", 6);
  ASSERT_EQ(run(straight, args, 2).exit_code, 0);
  auto expected = train_lines(args.output_dir);
  ASSERT_EQ(expected.size(), 6u);
  const std::vector<double> scales = {65536, 32768, 32768, 65536, 65536, 131072};
  for (int64_t step = 1; step <= 6; ++step) EXPECT_EQ(expected[step]["train/loss_scale"], scales[step - 1]) << step;

  auto args2 = fp16_args(tmp.path() + "/resumed", 6);
  args2.save_strategy = "steps";
  args2.save_steps = 3;
  {
    ToyRecipe first(o);
    first.inf_grad_at = {{0, 1}};
    first.on_micro_batch = [](int64_t epoch, int64_t index) {
      if (epoch == 1 && index == 0) throw std::runtime_error("crash in step 5");
    };
    EXPECT_THROW(run(first, args2, 2), std::runtime_error);
  }
  const std::string ckpt = args2.output_dir + "/checkpoint-3";
  ASSERT_TRUE(train::CheckpointStore::is_complete(ckpt));
  auto state = nlohmann::json::parse(std::ifstream(ckpt + "/" + train::kTrainerStateFile));
  EXPECT_EQ(state["loss_scaler"]["scale"], 32768.0);
  EXPECT_EQ(state["loss_scaler"]["_growth_tracker"], 1);
  EXPECT_EQ(state["loss_scaler"]["growth_interval"], 2);
  EXPECT_EQ(state["overflow_skipped"], 1);
  EXPECT_EQ(state["scheduler_step"], 2);

  ToyRecipe resumed(o);
  args2.resume_from_checkpoint = "latest";
  auto result = run(resumed, args2);  // default interval: the checkpoint's wins, as GradScaler.load_state_dict
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_TRUE(weights_equal(straight.weights(), resumed.weights()));
  auto lines = train_lines(args2.output_dir);
  for (int64_t step = 1; step <= 6; ++step) {
    EXPECT_EQ(lines.at(step)["train/loss"], expected[step]["train/loss"]) << step;
    EXPECT_EQ(lines.at(step)["train/lr"], expected[step]["train/lr"]) << step;
    EXPECT_EQ(lines.at(step)["train/loss_scale"], scales[step - 1]) << step;
  }
  EXPECT_EQ(result.metrics["train/overflow_skipped"], 1);
}

TEST(TrainerFp16, CheckpointFromBeforeLossScalingLoadsWithDefaults) {
  train::TrainerState s;
  s.global_step = 7;
  nlohmann::json j = train::to_json(s);
  j.erase("overflow_skipped");
  j.erase("scheduler_step");
  ASSERT_FALSE(j.contains("loss_scaler"));  // written only with fp16
  auto back = train::trainer_state_from_json(j, "state.json");
  EXPECT_EQ(back.scheduler_step, 7);  // no overflow skips: the schedule followed every step
  EXPECT_EQ(back.overflow_skipped, 0);
  EXPECT_TRUE(back.loss_scaler.is_null());
}

}  // namespace
}  // namespace ragforge
