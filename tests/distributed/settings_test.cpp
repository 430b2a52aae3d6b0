// The `distributed:` node of TrainingArguments (settings/distributed_settings.h).
#include <gtest/gtest.h>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "settings/training_arguments.h"
#include "support/error_of.h"

namespace ragforge::testing {
namespace {

settings::TrainingArguments parse(const std::string& yaml) {
  const config::Node root = config::load_yaml_string(yaml, "test");
  return settings::parse_training_arguments(config::ConfigView(root).child("train"));
}

TEST(DistributedSettings, DefaultsAreTorchsAndDdps) {
  auto a = parse("train:\n  seed: 1\n");
  EXPECT_EQ(a.distributed.backend, "auto");
  EXPECT_EQ(a.distributed.timeout_s, 1800);
  EXPECT_EQ(a.distributed.bucket_mb, 25);
  EXPECT_EQ(a.distributed.zero_stage, 0);
}

TEST(DistributedSettings, ReadsEveryKey) {
  auto a = parse("train:\n  distributed:\n    backend: gloo\n    timeout_s: 60\n    bucket_mb: 4.5\n    zero_stage: 2\n");
  EXPECT_EQ(a.distributed.backend, "gloo");
  EXPECT_EQ(a.distributed.timeout_s, 60);
  EXPECT_EQ(a.distributed.bucket_mb, 4.5);
  EXPECT_EQ(a.distributed.zero_stage, 2);
}

TEST(DistributedSettings, BadValuesAndUnknownKeysNameTheKey) {
  EXPECT_NE(error_of([] { parse("train:\n  distributed:\n    zero_stage: 3\n"); }).find("train.distributed.zero_stage: must be 0, 1 or 2, got 3"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse("train:\n  distributed:\n    backend: mpi\n"); }).find("train.distributed.backend: 'mpi' is not one of auto, gloo, nccl"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse("train:\n  distributed:\n    timeout_s: 0\n"); }).find("train.distributed.timeout_s: must be > 0"),
            std::string::npos);
  const std::string unknown = error_of([] { parse("train:\n  distributed:\n    bucket_size_mb: 4\n"); });
  EXPECT_NE(unknown.find("bucket_size_mb"), std::string::npos) << unknown;
}

}  // namespace
}  // namespace ragforge::testing
