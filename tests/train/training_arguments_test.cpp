// parse_training_arguments: HF names and defaults, ignored HF keys, typos and
// wrong types reported with the key and its origin.
#include <gtest/gtest.h>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "settings/training_arguments.h"

namespace ragforge {
namespace {

settings::TrainingArguments parse(const std::string& yaml) {
  config::Node root = config::load_yaml_string(yaml, "train.yaml");
  return settings::parse_training_arguments(config::ConfigView(root).child("train"));
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TrainingArguments, DefaultsAreHFs) {
  auto a = parse("train: {}\n");
  EXPECT_EQ(a.output_dir, "./outputs");
  EXPECT_EQ(a.per_device_train_batch_size, 8);
  EXPECT_EQ(a.gradient_accumulation_steps, 1);
  EXPECT_DOUBLE_EQ(a.num_train_epochs, 3.0);
  EXPECT_EQ(a.max_steps, -1);
  EXPECT_DOUBLE_EQ(a.learning_rate, 5e-5);
  EXPECT_DOUBLE_EQ(a.adam_beta2, 0.999);
  EXPECT_DOUBLE_EQ(a.adam_epsilon, 1e-8);
  EXPECT_DOUBLE_EQ(a.max_grad_norm, 1.0);
  EXPECT_EQ(a.optim, "adamw_torch");
  EXPECT_EQ(a.lr_scheduler_type, "linear");
  EXPECT_EQ(a.logging_steps, 500);
  EXPECT_EQ(a.save_steps, 500);
  EXPECT_EQ(a.save_total_limit, -1);
  EXPECT_EQ(a.eval_strategy, "no");
  EXPECT_EQ(a.seed, 42);
  EXPECT_FALSE(a.bf16);
  EXPECT_EQ(a.loss_reduction, "microbatch_mean");
  EXPECT_EQ(a.nan_policy, "skip");
  EXPECT_EQ(a.nan_max_consecutive, 5);
  EXPECT_EQ(a.master_weights, "none");
  EXPECT_DOUBLE_EQ(a.signal_grace_s, 3.0);
}

TEST(TrainingArguments, RagFitStyleConfig) {
  auto a = parse(
      "train:\n"
      "  _target_: transformers.TrainingArguments\n"
      "  output_dir: ./trained_models/\n"
      "  bf16: true\n"
      "  learning_rate: 1e-4\n"
      "  lr_scheduler_type: cosine\n"
      "  num_train_epochs: 1\n"
      "  per_device_train_batch_size: 1\n"
      "  gradient_accumulation_steps: 2\n"
      "  optim: paged_adamw_8bit\n"
      "  save_steps: 20000\n"
      "  save_total_limit: 1\n"
      "  warmup_ratio: 0.03\n"
      "  weight_decay: 0.001\n"
      "  logging_steps: 10\n"
      "  group_by_length:\n"
      "  report_to:\n"
      "  resume_from_checkpoint: true\n");
  EXPECT_TRUE(a.bf16);
  EXPECT_DOUBLE_EQ(a.learning_rate, 1e-4);
  EXPECT_DOUBLE_EQ(a.num_train_epochs, 1.0);
  EXPECT_EQ(a.gradient_accumulation_steps, 2);
  EXPECT_EQ(a.optim, "paged_adamw_8bit");
  EXPECT_DOUBLE_EQ(a.warmup_ratio, 0.03);
  EXPECT_FALSE(a.group_by_length);  // null: the default
  EXPECT_TRUE(a.report_to.empty());
  EXPECT_EQ(a.resume_from_checkpoint, "latest");
}

TEST(TrainingArguments, EvalStepsAloneTurnsOnStepEvaluation) {
  auto a = parse("train: {eval_steps: 50}\n");
  EXPECT_EQ(a.eval_strategy, "steps");
  EXPECT_EQ(a.eval_steps, 50);
  auto b = parse("train: {evaluation_strategy: steps, logging_steps: 7}\n");
  EXPECT_EQ(b.eval_strategy, "steps");
  EXPECT_EQ(b.eval_steps, 7);  // HF: eval_steps defaults to logging_steps
}

TEST(TrainingArguments, SchedulerKwargsGiveMinLr) {
  auto a = parse("train: {learning_rate: 2.0e-4, lr_scheduler_type: cosine_with_min_lr, lr_scheduler_kwargs: {min_lr_rate: 0.1}}\n");
  EXPECT_DOUBLE_EQ(a.min_lr, 2e-5);
}

TEST(TrainingArguments, IgnoredHFKeyWarnsOnce) {
  ::testing::internal::CaptureStderr();
  auto a = parse("train: {ddp_timeout: 1800, learning_rate: 0.001}\n");
  parse("train: {ddp_timeout: 1800}\n");
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_DOUBLE_EQ(a.learning_rate, 1e-3);
  const std::string expected = "train.ddp_timeout is accepted for HF compatibility and ignored";
  ASSERT_NE(err.find(expected), std::string::npos) << err;
  EXPECT_EQ(err.find(expected, err.find(expected) + 1), std::string::npos) << "warned twice: " << err;
}

TEST(TrainingArguments, Fp16KeysOfHFAreAccepted) {
  // fp16 turns on dynamic loss scaling; HF's apex/backend knobs are accepted and ignored.
  ::testing::internal::CaptureStderr();
  auto a = parse("train: {fp16: true, fp16_opt_level: O1, half_precision_backend: auto, fp16_backend: auto, fp16_full_eval: false}\n");
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(a.fp16);
  EXPECT_FALSE(a.bf16);
  EXPECT_NE(err.find("train.fp16_opt_level is accepted for HF compatibility and ignored"), std::string::npos) << err;
  EXPECT_EQ(err.find("train.fp16 is"), std::string::npos) << err;
  EXPECT_NE(error_of("train: {fp16: true, bf16: true}\n").find("bf16 and fp16 are both true"), std::string::npos);
}

TEST(TrainingArguments, UnknownKeyIsAnErrorWithDidYouMean) {
  std::string e = error_of("train:\n  learnig_rate: 0.1\n");
  EXPECT_NE(e.find("train.learnig_rate: unknown key"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'learning_rate'"), std::string::npos) << e;
  EXPECT_NE(e.find("train.yaml:2"), std::string::npos) << e;
}

TEST(TrainingArguments, WrongTypeNamesTheKeyAndOrigin) {
  std::string e = error_of("train:\n  per_device_train_batch_size: four\n");
  EXPECT_NE(e.find("train.per_device_train_batch_size: expected an int"), std::string::npos) << e;
  EXPECT_NE(e.find("train.yaml:2"), std::string::npos) << e;
  e = error_of("train:\n  loss_reduction: mean\n");
  EXPECT_NE(e.find("train.loss_reduction: 'mean' is not one of microbatch_mean, token_mean"), std::string::npos) << e;
  e = error_of("train:\n  save_total_limit: 0\n");
  EXPECT_NE(e.find("train.save_total_limit"), std::string::npos) << e;
}

}  // namespace
}  // namespace ragforge
