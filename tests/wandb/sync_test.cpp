// `ragforge wandb-sync RUN_DIR` through the real CLI: an offline run uploads
// once, a resumed sync sends only what was not acknowledged, and a run whose
// stream died mid-way is completed without duplicates.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "support/subprocess.h"
#include "wandb/api.h"
#include "wandb/wandb_sink.h"
#include "wandb_test_util.h"

namespace ragforge::wandb {
namespace {

using nlohmann::json;
using testing::FakeWandbServer;

const nlohmann::ordered_json kConfig =
    nlohmann::ordered_json::parse(R"({"model": {"name": "tiny"}, "api_key": "do-not-send", "seed": 3})");

testing::ProcessResult wandb_sync(const FakeWandbServer& server, const std::string& run_dir) {
  testing::ProcessOptions opts;
  opts.env = {{"WANDB_BASE_URL", server.base_url()}, {"WANDB_API_KEY", test::kApiKey}, {"WANDB_MODE", ""},
              {"WANDB_PROJECT", ""}, {"WANDB_ENTITY", ""}, {"WANDB_RUN_ID", ""}, {"NETRC", "/nonexistent"}};
  return testing::run_process({testing::ragforge_bin(), "wandb-sync", run_dir}, opts);
}

TEST(WandbSync, OfflineRunUploadsOnceThroughTheCli) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.mode = "offline";
  s.entity = "team";
  {
    auto sink = make_wandb_sink(s, kConfig, run.path);
    ASSERT_TRUE(sink);
    for (int64_t step = 1; step <= 30; ++step) test::log_step(*sink, run.path, step);
    sink->console("offline console lines stay local", false);
    sink->finish(0, false);
  }
  EXPECT_TRUE(server.requests().empty());  // offline: nothing on the network
  const json state = test::read_state(run.path);
  const std::string run_id = state["run_id"];
  const double start = state["start_time"];

  const auto first = wandb_sync(server, run.path);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("team/proj/" + run_id + ": sent 30 history lines, 0 already on W&B; run finished"),
            std::string::npos)
      << first.out;
  const auto upsert = server.requests_to("/graphql");
  ASSERT_EQ(upsert.size(), 1u);
  EXPECT_EQ(upsert[0].headers.at("authorization"), "Basic " + base64_encode("api:" + test::kApiKey));
  EXPECT_EQ(upsert[0].json()["variables"]["name"], run_id);
  EXPECT_EQ(upsert[0].json()["variables"]["entity"], "team");
  EXPECT_EQ(upsert[0].json()["variables"]["config"],
            R"({"model":{"value":{"name":"tiny"}},"api_key":{"value":"<redacted>"},"seed":{"value":3}})");
  const auto history = server.history(run_id);
  ASSERT_EQ(history.size(), 30u);
  for (int64_t i = 0; i < 30; ++i) EXPECT_EQ(json::parse(history.at(i)), test::expected_row(i + 1, start));
  EXPECT_EQ(json::parse(server.summary(run_id)), test::expected_row(30, start));
  EXPECT_EQ(server.requests_to("/file_stream").back().json(), json({{"complete", true}, {"exitcode", 0}}));

  // The run grows (e.g. it was resumed offline); a second sync sends only the new lines.
  {
    std::ofstream out(run.path + "/logs/metrics.jsonl", std::ios::app);
    for (int64_t step = 31; step <= 35; ++step) out << test::metric_line(step).dump() << "\n";
  }
  const auto second = wandb_sync(server, run.path);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("sent 5 history lines, 30 already on W&B"), std::string::npos) << second.out;
  EXPECT_EQ(server.history(run_id).size(), 35u);
  EXPECT_EQ(server.history_received(run_id).size(), 35u);  // nothing resent
  EXPECT_EQ(json::parse(server.history(run_id).at(34)), test::expected_row(35, start));

  const auto third = wandb_sync(server, run.path);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_NE(third.out.find("sent 0 history lines, 35 already on W&B"), std::string::npos) << third.out;
  EXPECT_EQ(server.history_received(run_id).size(), 35u);

  EXPECT_TRUE(test::files_containing(run.path, test::kApiKey).empty());
  EXPECT_TRUE(test::files_containing(run.path, "do-not-send").empty());
}

TEST(WandbSync, CompletesARunWhoseStreamDiedWithoutDuplicates) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.entity = "e";
  s.transmit_interval_s = 0.05;
  auto sink = make_wandb_sink(s, kConfig, run.path);
  for (int64_t step = 1; step <= 10; ++step) test::log_step(*sink, run.path, step);
  const json state0 = test::read_state(run.path);
  const std::string run_id = state0["run_id"];
  for (int i = 0; i < 1000 && server.history(run_id).size() < 10; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server.history(run_id).size(), 10u);
  server.script("/file_stream", {{410}});  // the next batch is refused for good
  for (int64_t step = 11; step <= 20; ++step) test::log_step(*sink, run.path, step);
  sink->finish(0, false);
  EXPECT_EQ(server.history(run_id).size(), 10u);
  EXPECT_EQ(test::read_state(run.path)["acked_step"], 10);

  const auto r = wandb_sync(server, run.path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sent 10 history lines, 10 already on W&B; run finished"), std::string::npos) << r.out;
  const double start = test::read_state(run.path)["start_time"];
  const auto history = server.history(run_id);
  ASSERT_EQ(history.size(), 20u);
  for (int64_t i = 0; i < 20; ++i) EXPECT_EQ(json::parse(history.at(i)), test::expected_row(i + 1, start));
  EXPECT_EQ(server.history_received(run_id).size(), 20u);
  EXPECT_EQ(server.requests_to("/file_stream").back().json(), json({{"complete", true}, {"exitcode", 0}}));
}

TEST(WandbSync, ExplainsAMissingKeyAndAnEmptyRunDir) {
  FakeWandbServer server;
  test::TempRunDir run;
  testing::ProcessOptions opts;
  opts.env = {{"WANDB_BASE_URL", server.base_url()}, {"WANDB_API_KEY", ""}, {"NETRC", "/nonexistent"}};
  auto r = testing::run_process({testing::ragforge_bin(), "wandb-sync", run.path}, opts);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("WANDB_API_KEY"), std::string::npos) << r.err;
  opts.env["WANDB_API_KEY"] = test::kApiKey;
  r = testing::run_process({testing::ragforge_bin(), "wandb-sync", run.path}, opts);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nothing to sync"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(test::kApiKey), std::string::npos);
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace ragforge::wandb
