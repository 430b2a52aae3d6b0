// The streaming sink against the fake server: the exact request sequence and
// payloads, batching, heartbeats, "stopped", resume offsets, preemption.
#include <gtest/gtest.h>

#include <thread>

#include "wandb/api.h"
#include "wandb/config_json.h"
#include "wandb/wandb_sink.h"
#include "wandb_test_util.h"

namespace ragforge::wandb {
namespace {

using nlohmann::json;
using testing::FakeWandbServer;
using testing::RecordedRequest;

const nlohmann::ordered_json kConfig = nlohmann::ordered_json::parse(
    R"({"model": {"name": "tiny", "hf_token": "secret-token-value"}, "train": {"lr": 0.001}, "use_wandb": true})");

TEST(WandbSink, RequestSequenceAndPayloads) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.group = "exp-1";
  {
    auto sink = make_wandb_sink(s, kConfig, run.path);
    ASSERT_TRUE(sink);
    for (int64_t step = 1; step <= 3; ++step) test::log_step(*sink, run.path, step);
    sink->console("step 3 done\nsecond line", false);
    sink->console("a warning", true);
    sink->finish(0, false);
  }
  const json state = test::read_state(run.path);
  const std::string run_id = state["run_id"];
  const double start = state["start_time"];
  EXPECT_EQ(run_id.size(), 8u);

  const std::vector<RecordedRequest> reqs = server.requests();
  ASSERT_EQ(reqs.size(), 4u);  // viewer, UpsertBucket, one merged batch, complete
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.headers.at("authorization"), "Basic " + base64_encode("api:" + test::kApiKey));
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_EQ(r.headers.at("user-agent").rfind("ragforge/", 0), 0u);
  }
  EXPECT_EQ(reqs[0].path, "/graphql");
  EXPECT_EQ(reqs[0].json()["operationName"], "Viewer");
  EXPECT_EQ(reqs[1].path, "/graphql");
  const json upsert = reqs[1].json();
  EXPECT_EQ(upsert["operationName"], "UpsertBucket");
  const json vars = upsert["variables"];
  EXPECT_EQ(vars["name"], run_id);
  EXPECT_EQ(vars["project"], "proj");
  EXPECT_EQ(vars["entity"], "fake-entity");  // from viewer { entity }
  EXPECT_EQ(vars["groupName"], "exp-1");
  EXPECT_EQ(vars["tags"], json({"t1", "t2"}));
  EXPECT_EQ(vars["program"], "ragforge");
  EXPECT_FALSE(vars.contains("id"));  // no storage id on the first upsert
  EXPECT_EQ(vars["config"],
            R"({"model":{"value":{"name":"tiny","hf_token":"<redacted>"}},"train":{"value":{"lr":0.001}},)"
            R"("use_wandb":{"value":true}})");

  const std::string fs_path = "/files/fake-entity/proj/" + run_id + "/file_stream";
  EXPECT_EQ(reqs[2].path, fs_path);
  const json batch = reqs[2].json();
  const json history = batch["files"]["wandb-history.jsonl"];
  EXPECT_EQ(history["offset"], 0);
  ASSERT_EQ(history["content"].size(), 3u);
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_EQ(json::parse(history["content"][i].get<std::string>()), test::expected_row(i + 1, start)) << i;
  const json summary = batch["files"]["wandb-summary.json"];
  EXPECT_EQ(summary["offset"], 0);
  ASSERT_EQ(summary["content"].size(), 1u);
  EXPECT_EQ(json::parse(summary["content"][0].get<std::string>()), test::expected_row(3, start));
  const json log = batch["files"]["output.log"];
  EXPECT_EQ(log["offset"], 0);
  ASSERT_EQ(log["content"].size(), 3u);
  const std::vector<std::string> want_text = {"step 3 done", "second line", "a warning"};
  for (size_t i = 0; i < 3; ++i) {
    std::string line = log["content"][i];
    const bool err = i == 2;
    EXPECT_EQ(line.rfind("ERROR ", 0) == 0, err) << line;
    if (err) line = line.substr(6);
    // <YYYY-MM-DDTHH:MM:SS.ffffffZ> <text>
    ASSERT_GT(line.size(), 28u) << line;
    EXPECT_EQ(line[4], '-');
    EXPECT_EQ(line[10], 'T');
    EXPECT_EQ(line[26], 'Z');
    EXPECT_EQ(line.substr(28), want_text[i]);
  }
  EXPECT_EQ(reqs[3].path, fs_path);
  EXPECT_EQ(reqs[3].json(), json({{"complete", true}, {"exitcode", 0}}));

  EXPECT_EQ(state["history_lines"], 3);
  EXPECT_EQ(state["acked_step"], 3);
  EXPECT_EQ(state["completed"], true);
  EXPECT_EQ(state["exit_code"], 0);
  EXPECT_EQ(state["storage_id"], "storage-" + run_id);
  EXPECT_TRUE(test::files_containing(run.path, test::kApiKey).empty());
  EXPECT_TRUE(test::files_containing(run.path, "secret-token-value").empty());
}

TEST(WandbSink, PreemptedRunSendsPreemptingThenComplete) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.entity = "my-team";  // configured: no viewer query
  auto sink = make_wandb_sink(s, kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  sink->finish(143, true);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].json()["operationName"], "UpsertBucket");
  EXPECT_EQ(reqs[0].json()["variables"]["entity"], "my-team");
  EXPECT_TRUE(reqs[1].json().contains("files"));
  EXPECT_EQ(reqs[2].json(), json({{"preempting", true}}));
  EXPECT_EQ(reqs[3].json(), json({{"complete", true}, {"exitcode", 143}}));
  const json state = test::read_state(run.path);
  EXPECT_EQ(state["exit_code"], 143);
  EXPECT_EQ(state["preempted"], true);
}

TEST(WandbSink, MergesLinesAndSendsAtMostOnePerInterval) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.entity = "e";
  s.transmit_interval_s = 0.3;
  auto sink = make_wandb_sink(s, kConfig, run.path);
  for (int64_t step = 1; step <= 20; ++step) test::log_step(*sink, run.path, step);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 1));
  for (int64_t step = 21; step <= 40; ++step) test::log_step(*sink, run.path, step);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 2));
  sink->finish(0, false);

  const auto fs = server.requests_to("/file_stream");
  ASSERT_EQ(fs.size(), 3u);  // two merged batches, then complete
  EXPECT_EQ(fs[0].json()["files"]["wandb-history.jsonl"]["offset"], 0);
  EXPECT_EQ(fs[0].json()["files"]["wandb-history.jsonl"]["content"].size(), 20u);
  EXPECT_EQ(fs[1].json()["files"]["wandb-history.jsonl"]["offset"], 20);
  EXPECT_EQ(fs[1].json()["files"]["wandb-history.jsonl"]["content"].size(), 20u);
  // The interval is a floor between requests (10 % slack for clock granularity).
  EXPECT_GE(fs[1].time_s - fs[0].time_s, 0.27);
  const json state = test::read_state(run.path);
  EXPECT_EQ(server.history(state["run_id"]).size(), 40u);
}

TEST(WandbSink, SameStepLinesMergeIntoOneRow) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.entity = "e";
  auto sink = make_wandb_sink(s, kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  metrics::Line val;
  val["step"] = 1;
  val["timestamp"] = 1732291300.0;
  val["val/loss"] = 0.75;
  test::log_line(*sink, run.path, val);
  test::log_step(*sink, run.path, 2);
  sink->finish(0, false);
  const json state = test::read_state(run.path);
  const auto history = server.history(state["run_id"]);
  ASSERT_EQ(history.size(), 2u);
  const json row1 = json::parse(history.at(0));
  EXPECT_EQ(row1["_step"], 1);
  EXPECT_EQ(row1["val/loss"], 0.75);
  EXPECT_EQ(row1["train/loss"].get<double>(), test::metric_line(1)["train/loss"].get<double>());
  EXPECT_EQ(json::parse(history.at(1))["_step"], 2);
  EXPECT_EQ(state["acked_step"], 2);
}

TEST(WandbSink, HeartbeatWhenIdle) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.entity = "e";
  s.transmit_interval_s = 0.05;
  s.heartbeat_s = 0.2;
  auto sink = make_wandb_sink(s, kConfig, run.path);
  test::log_step(*sink, run.path, 1);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 3));
  sink->finish(0, false);
  const auto fs = server.requests_to("/file_stream");
  EXPECT_TRUE(fs[0].json().contains("files"));
  EXPECT_EQ(fs[1].body, "{}");
  EXPECT_EQ(fs[2].body, "{}");
  EXPECT_GE(fs[2].time_s - fs[1].time_s, 0.18);
}

TEST(WandbSink, StoppedInAResponseRequestsStop) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.entity = "e";
  s.transmit_interval_s = 0.05;
  server.set_stopped(true);
  auto sink = make_wandb_sink(s, kConfig, run.path);
  EXPECT_FALSE(sink->stop_requested());
  test::log_step(*sink, run.path, 1);
  ASSERT_TRUE(server.wait_for_requests("/file_stream", 1));
  for (int i = 0; i < 1000 && !sink->stop_requested(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(sink->stop_requested());
  sink->finish(0, false);
}

TEST(WandbSink, ResumedRunContinuesAtHistoryLineCount) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.entity = "e";
  s.run_id = "resume01";
  server.set_history_line_count("resume01", 5);
  auto sink = make_wandb_sink(s, kConfig, run.path);
  test::log_step(*sink, run.path, 11);
  test::log_step(*sink, run.path, 12);
  sink->finish(0, false);
  const auto history = server.history("resume01");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history.begin()->first, 5);
  EXPECT_EQ(json::parse(history.at(6))["_step"], 12);
  EXPECT_EQ(server.requests_to("/files/e/proj/resume01/file_stream").size(), 2u);
}

TEST(WandbSink, SecondSinkOnTheSameRunDirResumesTheSameRun) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.entity = "e";
  std::string run_id;
  {
    auto sink = make_wandb_sink(s, kConfig, run.path);
    for (int64_t step = 1; step <= 3; ++step) test::log_step(*sink, run.path, step);
    sink->finish(143, true);
    run_id = test::read_state(run.path)["run_id"];
  }
  {
    auto sink = make_wandb_sink(s, kConfig, run.path);
    for (int64_t step = 4; step <= 5; ++step) test::log_step(*sink, run.path, step);
    sink->finish(0, false);
  }
  const auto upserts = server.requests_to("/graphql");
  ASSERT_EQ(upserts.size(), 2u);
  EXPECT_EQ(upserts[1].json()["variables"]["name"], run_id);
  EXPECT_EQ(upserts[1].json()["variables"]["id"], "storage-" + run_id);
  const auto history = server.history(run_id);
  ASSERT_EQ(history.size(), 5u);
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(json::parse(history.at(i))["_step"], i + 1);
  EXPECT_EQ(server.history_received(run_id).size(), 5u);
}

TEST(WandbSink, DisabledGivesNoSinkAndOnlineNeedsAKey) {
  FakeWandbServer server;
  test::TempRunDir run;
  WandbSettings s = test::test_settings(server);
  s.mode = "disabled";
  EXPECT_EQ(make_wandb_sink(s, kConfig, run.path), nullptr);
  s.mode = "online";
  s.api_key.clear();
  try {
    make_wandb_sink(s, kConfig, run.path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("WANDB_API_KEY"), std::string::npos);
  }
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace ragforge::wandb
