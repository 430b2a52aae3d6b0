// The sink through outages: server errors, refused connections, 429 with
// Retry-After, permanent statuses, and a server that hangs while training logs.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "wandb/wandb_sink.h"
#include "wandb_test_util.h"

namespace ragforge::wandb {
namespace {

using nlohmann::json;
using testing::FakeWandbServer;
using testing::ScriptedResponse;

const nlohmann::ordered_json kConfig = nlohmann::ordered_json::parse(R"({"seed": 1})");

// Every logged step is on the server exactly once, at consecutive offsets, in order.
void expect_exactly_once(const FakeWandbServer& server, const std::string& run_dir, int64_t last_step) {
  const json state = test::read_state(run_dir);
  const std::string run_id = state["run_id"];
  const double start = state["start_time"];
  const auto history = server.history(run_id);
  ASSERT_EQ(history.size(), static_cast<size_t>(last_step));
  int64_t offset = 0;
  for (const auto& [off, line] : history) {
    EXPECT_EQ(off, offset);
    EXPECT_EQ(json::parse(line), test::expected_row(offset + 1, start)) << "offset " << off;
    ++offset;
  }
  // No line arrived twice (a resend at the same offset would also show here).
  const auto received = server.history_received(run_id);
  EXPECT_EQ(std::set<std::string>(received.begin(), received.end()).size(), received.size());
  EXPECT_EQ(received.size(), static_cast<size_t>(last_step));
  EXPECT_EQ(state["acked_step"], last_step);
}

WandbSettings fast_settings(const FakeWandbServer& server) {
  WandbSettings s = test::test_settings(server);
  s.entity = "e";
  s.transmit_interval_s = 0.05;
  return s;
}

TEST(WandbOutage, ServerErrorsAreRetriedWithoutLossOrDuplicates) {
  FakeWandbServer server;
  test::TempRunDir run;
  server.script("/graphql", {{503}, {500}});
  server.script("/file_stream", {{500}, {502}, {500}});
  auto sink = make_wandb_sink(fast_settings(server), kConfig, run.path);
  for (int64_t step = 1; step <= 25; ++step) test::log_step(*sink, run.path, step);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 4));
  for (int64_t step = 26; step <= 50; ++step) test::log_step(*sink, run.path, step);
  sink->finish(0, false);
  expect_exactly_once(server, run.path, 50);
  EXPECT_EQ(server.requests_to("/graphql").size(), 3u);  // two failures, then UpsertBucket
  EXPECT_EQ(server.requests_to("/file_stream").back().json(), json({{"complete", true}, {"exitcode", 0}}));
}

TEST(WandbOutage, RefusedConnectionsThenRecovery) {
  FakeWandbServer server;
  test::TempRunDir run;
  auto sink = make_wandb_sink(fast_settings(server), kConfig, run.path);
  for (int64_t step = 1; step <= 10; ++step) test::log_step(*sink, run.path, step);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 1));
  server.stop_listening();
  for (int64_t step = 11; step <= 30; ++step) {
    test::log_step(*sink, run.path, step);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // spread over several retries
  }
  const size_t before = server.requests().size();
  server.start_listening();
  for (int64_t step = 31; step <= 40; ++step) test::log_step(*sink, run.path, step);
  sink->finish(0, false);
  EXPECT_GT(server.requests().size(), before);
  expect_exactly_once(server, run.path, 40);
}

TEST(WandbOutage, RetryAfterIsHonoured) {
  FakeWandbServer server;
  test::TempRunDir run;
  server.script("/file_stream", {{429, "1"}});
  auto sink = make_wandb_sink(fast_settings(server), kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  sink->finish(0, false);
  const auto fs = server.requests_to("/file_stream");
  ASSERT_GE(fs.size(), 3u);  // 429, the retried batch, complete
  EXPECT_EQ(fs[0].body, fs[1].body);  // the same lines at the same offset
  EXPECT_GE(fs[1].time_s - fs[0].time_s, 0.95);  // backoff alone would be ~10 ms here
  expect_exactly_once(server, run.path, 1);
}

TEST(WandbOutage, PermanentStatusIsNotRetriedAndTrainingGoesOn) {
  FakeWandbServer server;
  test::TempRunDir run;
  server.script("/file_stream", {{404}});
  auto sink = make_wandb_sink(fast_settings(server), kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 1));
  for (int64_t step = 2; step <= 5; ++step) test::log_step(*sink, run.path, step);  // the stream is dead; no error
  sink->finish(1, false);
  EXPECT_EQ(server.requests_to("/file_stream").size(), 1u);
  const json state = test::read_state(run.path);
  EXPECT_EQ(state["acked_step"], -1);
  EXPECT_EQ(state["exit_code"], 1);
  EXPECT_EQ(state["completed"], false);
}

TEST(WandbOutage, PermanentGraphqlStatusIsNotRetried) {
  FakeWandbServer server;
  test::TempRunDir run;
  server.script("/graphql", {{400, "", R"({"errors": [{"message": "bad request"}]})"}});
  auto sink = make_wandb_sink(fast_settings(server), kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  sink->finish(0, false);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(WandbOutage, LogNeverWaitsForAHangingServer) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = fast_settings(server);
  s.queue_capacity = 64;  // most of what follows overflows to "read back from metrics.jsonl"
  s.file_stream_timeout_s = 120;
  server.hold_file_stream();
  auto sink = make_wandb_sink(s, kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 1));  // the client now sits in a request that hangs
  for (int64_t step = 2; step <= 1001; ++step) test::log_step(*sink, run.path, step);
  // All 1000 calls returned while the only request is still held: had log()
  // waited on the network, this line would never be reached.
  EXPECT_EQ(server.requests_to("/file_stream").size(), 1u);
  server.release_hold();
  sink->finish(0, false);
  expect_exactly_once(server, run.path, 1001);
}

TEST(WandbOutage, ApiKeyIsNeverWrittenEvenOnErrors) {
  FakeWandbServer server;
  test::TempRunDir run;
  server.script("/file_stream", {{401, "", "{\"error\": \"bad key " + test::kApiKey + "\"}"}});
  auto sink = make_wandb_sink(fast_settings(server), kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  sink->console("hello", false);
  sink->finish(0, false);
  EXPECT_TRUE(test::files_containing(run.path, test::kApiKey).empty());
  EXPECT_FALSE(test::files_containing(run.path, "\"run_id\"").empty());  // the state file is there
}

}  // namespace
}  // namespace ragforge::wandb

namespace ragforge::wandb {
namespace {

TEST(WandbOutage, RateLimitHeadersDelayTheNextRequest) {
  FakeWandbServer server;
  test::TempRunDir run;
  server.set_rate_limit("0", "1");  // every answer: "none left, wait 1 s"
  auto sink = make_wandb_sink(fast_settings(server), kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  sink->finish(0, false);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);  // UpsertBucket, batch, complete
  EXPECT_GE(reqs[1].time_s - reqs[0].time_s, 0.95);
  EXPECT_GE(reqs[2].time_s - reqs[1].time_s, 0.95);
  expect_exactly_once(server, run.path, 1);
}

TEST(WandbOutage, RequestTimeoutRetriesAndTheServerKeepsOneCopyPerOffset) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = fast_settings(server);
  s.file_stream_timeout_s = 0.2;
  server.hold_file_stream();
  auto sink = make_wandb_sink(s, kConfig, run.path);
  for (int64_t step = 1; step <= 5; ++step) test::log_step(*sink, run.path, step);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 2));  // the first attempt timed out and was retried
  server.release_hold();
  for (int64_t step = 6; step <= 8; ++step) test::log_step(*sink, run.path, step);
  sink->finish(0, false);
  const json state = test::read_state(run.path);
  const auto history = server.history(state["run_id"]);
  ASSERT_EQ(history.size(), 8u);  // resends land on the same offsets
  for (int64_t i = 0; i < 8; ++i)
    EXPECT_EQ(json::parse(history.at(i)), test::expected_row(i + 1, state["start_time"].get<double>()));
  EXPECT_EQ(state["acked_step"], 8);
}

TEST(WandbOutage, FinishGivesUpAfterExitTimeoutAndSyncSendsTheRest) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = fast_settings(server);
  s.exit_timeout_s = 0.3;
  s.file_stream_timeout_s = 60;
  server.hold_file_stream();
  auto sink = make_wandb_sink(s, kConfig, run.path);
  for (int64_t step = 1; step <= 4; ++step) test::log_step(*sink, run.path, step);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 1));
  sink->finish(0, false);  // returns although the server still hangs
  const json state = test::read_state(run.path);
  EXPECT_EQ(state["acked_step"], -1);
  EXPECT_EQ(state["exit_code"], 0);
  EXPECT_EQ(state["completed"], false);
  server.release_hold();
  sink.reset();
  // A later process of the same run dir sends what is left, then its own lines.
  auto again = make_wandb_sink(s, kConfig, run.path);
  test::log_step(*again, run.path, 5);
  again->finish(0, false);
  const auto history = server.history(state["run_id"]);
  ASSERT_EQ(history.size(), 5u);
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(json::parse(history.at(i))["_step"], i + 1);
}

TEST(WandbOutage, CheckpointStateRestoresTheRunInANewRunDir) {
  FakeWandbServer server;
  test::TempRunDir first, second;
  nlohmann::json ckpt;
  std::string run_id;
  {
    auto sink = make_wandb_sink(fast_settings(server), kConfig, first.path);
    for (int64_t step = 1; step <= 3; ++step) test::log_step(*sink, first.path, step);
    sink->finish(143, true);
    ckpt = sink->checkpoint_state();
    run_id = ckpt["run_id"];
  }
  EXPECT_EQ(ckpt["history_lines"], 3);
  EXPECT_EQ(ckpt["acked_step"], 3);
  auto sink = make_wandb_sink(fast_settings(server), kConfig, second.path);
  sink->restore(ckpt);
  for (int64_t step = 4; step <= 6; ++step) test::log_step(*sink, second.path, step);
  sink->finish(0, false);
  const auto upserts = server.requests_to("/graphql");
  ASSERT_EQ(upserts.size(), 2u);
  EXPECT_EQ(upserts[1].json()["variables"]["name"], run_id);
  EXPECT_EQ(upserts[1].json()["variables"]["id"], "storage-" + run_id);
  const auto history = server.history(run_id);
  ASSERT_EQ(history.size(), 6u);
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(json::parse(history.at(i))["_step"], i + 1);
  EXPECT_EQ(server.history_received(run_id).size(), 6u);
  // The summary is whole: the last step's values.
  EXPECT_EQ(json::parse(server.summary(run_id))["_step"], 6);
}

}  // namespace
}  // namespace ragforge::wandb
