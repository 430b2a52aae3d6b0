// Schedules against values computed with HF transformers' lambdas
// (optimization.py) in Python; S = 100 total steps.
#include <gtest/gtest.h>

#include "core/error.h"
#include "train/lr_schedule.h"

namespace ragforge::train {
namespace {

ScheduleConfig schedule(const std::string& name, int64_t warmup = 10) {
  ScheduleConfig c;
  c.name = name;
  c.warmup_steps = warmup;
  return c;
}

TEST(LrSchedule, Linear) {
  auto c = schedule("linear");
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 0, 100), 0.0);  // HF's first warmup update has lr 0
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 5, 100), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 10, 100), 1.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 55, 100), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 99, 100), 1.0 / 90.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 100, 100), 0.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 120, 100), 0.0);  // clamped at 0 past the end
}

TEST(LrSchedule, Cosine) {
  auto c = schedule("cosine");
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 0, 100), 0.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 5, 100), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 10, 100), 1.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 32, 100), 0.8596699001693255);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 55, 100), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 77, 100), 0.15267081477050132);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 100, 100), 0.0);
}

TEST(LrSchedule, CosineWithMinLr) {
  auto c = schedule("cosine_with_min_lr");
  c.min_lr_ratio = 0.1;
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 0, 100), 0.0);  // warmup is not lifted by min_lr
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 5, 100), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 10, 100), 1.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 32, 100), 0.873702910152393);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 55, 100), 0.55);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 77, 100), 0.23740373329345119);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 100, 100), 0.1);
}

TEST(LrSchedule, ConstantIgnoresWarmup) {
  auto c = schedule("constant");
  for (int64_t s : {0, 5, 10, 99}) EXPECT_DOUBLE_EQ(lr_multiplier(c, s, 100), 1.0) << s;
}

TEST(LrSchedule, ConstantWithWarmup) {
  auto c = schedule("constant_with_warmup");
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 0, 100), 0.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 5, 100), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 10, 100), 1.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 99, 100), 1.0);
}

TEST(LrSchedule, WarmupRatio) {
  auto c = schedule("linear", 0);
  c.warmup_ratio = 0.03;
  EXPECT_EQ(warmup_steps(c, 100), 3);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 1, 100), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 3, 100), 1.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(c, 4, 100), 96.0 / 97.0);

  c.warmup_ratio = 0.025;  // S·ratio = 2.5
  EXPECT_EQ(warmup_steps(c, 100), 3);
  c.floor_warmup_ratio = true;  // step_confidence
  EXPECT_EQ(warmup_steps(c, 100), 2);

  c.warmup_steps = 7;  // > 0 wins over the ratio
  EXPECT_EQ(warmup_steps(c, 100), 7);
  EXPECT_EQ(warmup_steps(schedule("linear", 0), 100), 0);
  EXPECT_DOUBLE_EQ(lr_multiplier(schedule("linear", 0), 0, 100), 1.0);
}

TEST(LrSchedule, UnknownNameListsValidOnes) {
  try {
    validate_schedule(schedule("cosine_with_restarts"));
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "unknown lr schedule 'cosine_with_restarts'; valid names: linear, cosine, "
                 "cosine_with_min_lr, constant, constant_with_warmup");
  }
  EXPECT_THROW(lr_multiplier(schedule("cosine_with_restarts"), 0, 100), Error);
  auto c = schedule("linear", 0);
  c.warmup_ratio = 1.5;
  EXPECT_THROW(validate_schedule(c), Error);
}

}  // namespace
}  // namespace ragforge::train
