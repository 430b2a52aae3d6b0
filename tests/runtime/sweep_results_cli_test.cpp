// Multiruns of the real `train` on the tiny model (a few steps each): the
// sweep results (sweep_results.jsonl / .md and the console table) of a
// 4-job sweep with one failing job, their sort order, and local_parallel
// running jobs at the same time with the same results as basic. Every
// expected metric is read back from the jobs' own logs/metrics.jsonl, which
// the trainer wrote independently of the sweep summary.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_files.h"
#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string train_bin() { return (fs::path(ragforge_bin()).parent_path() / "train").string(); }

// Rows [first, first + n) of the demo data the build generated.
void write_rows(const ScratchDir& dir, const std::string& name, int first, int n) {
  const std::string demo = (fs::path(ragforge_bin()).parent_path() / "../share/ragforge/demo/wordnet-rag.jsonl").string();
  std::ifstream in(demo);
  ASSERT_TRUE(in.good()) << demo << " is built by the demo_data target";
  std::ofstream out(dir / name);
  std::string line;
  for (int i = 0; i < first + n && std::getline(in, line); ++i)
    if (i >= first) out << line << "\n";
}

// The last value of `key` a job logged, and its best (lowest) value and step.
struct Logged {
  double last = 0, best = 1e300;
  int64_t best_step = -1;
  std::vector<double> all;
};
Logged logged(const std::string& job_dir, const std::string& key) {
  Logged l;
  for (const json& row : jsonl_lines_with(job_dir + "/logs/metrics.jsonl"))
    if (row.contains(key) && row[key].is_number()) {
      const double v = row[key].get<double>();
      l.last = v;
      l.all.push_back(v);
      if (v < l.best) {
        l.best = v;
        l.best_step = row["step"].get<int64_t>();
      }
    }
  return l;
}

// `train -m` in `dir`, a few steps on the tiny model, one thread per job
// unless the launcher decides.
ProcessResult sweep(const ScratchDir& dir, std::vector<std::string> args, bool one_thread = true) {
  std::vector<std::string> argv = {train_bin(),
                                   "-m",
                                   "train.max_steps=3",
                                   "train.logging_steps=1",
                                   "train.per_device_train_batch_size=2",
                                   "train.save_steps=1000",
                                   "train.eval_steps=0",
                                   "model.max_sequence_len=320",
                                   // each job's checkpoint in its own dir: parallel jobs must not share one
                                   "train.output_dir=${hydra:runtime.output_dir}/model"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"WANDB_MODE", "disabled"}, {"OMP_NUM_THREADS", one_thread ? "1" : ""}};
  return run_process(argv, o);
}

// Three good data files and one with a broken line: job 2 fails at its
// data, after jobs 0 and 1 trained and before job 3 does.
void write_four_datasets(const ScratchDir& dir) {
  write_rows(dir, "a.jsonl", 0, 16);
  write_rows(dir, "b.jsonl", 16, 16);
  write_rows(dir, "c.jsonl", 32, 16);
  write_rows(dir, "bad.jsonl", 0, 3);
  std::ofstream(dir / "bad.jsonl", std::ios::app) << "{\"bad json\n";
}

TEST(SweepResults, FourJobsOneFailingGiveARowEachAndTheSweepGoesOn) {
  ScratchDir dir;
  write_four_datasets(dir);
  auto r = sweep(dir, {"hydra.sweep.dir=sweep", "data_file=a.jsonl,b.jsonl,bad.jsonl,c.jsonl"});
  EXPECT_EQ(r.exit_code, 1) << "a failed job makes the sweep fail, at the end\n" << r.err;
  EXPECT_NE(r.err.find("1 of 4 jobs failed: #2"), std::string::npos) << r.err;

  const auto rows = jsonl_lines_with(dir / "sweep/sweep_results.jsonl");
  ASSERT_EQ(rows.size(), 4u) << dir.read("sweep/sweep_results.jsonl");
  const char* data[] = {"a.jsonl", "b.jsonl", "bad.jsonl", "c.jsonl"};
  for (int i = 0; i < 4; ++i) {
    const json& row = rows[static_cast<size_t>(i)];
    SCOPED_TRACE("job " + std::to_string(i));
    EXPECT_EQ(row["num"], i);
    EXPECT_EQ(row["overrides"][0], "train.max_steps=3");
    EXPECT_EQ(row["overrides"].back(), std::string("data_file=") + data[i]);
    EXPECT_EQ(row["output_dir"], fs::canonical(dir.path()).string() + "/sweep/" + std::to_string(i));
    EXPECT_NEAR(row["wall_time_s"].get<double>(), row["end_time"].get<double>() - row["start_time"].get<double>(), 1e-6);
    EXPECT_GT(row["wall_time_s"].get<double>(), 0);
    if (i == 2) {
      EXPECT_EQ(row["status"], "FAILED");
      EXPECT_EQ(row["exit_code"], 1);
      EXPECT_NE(row["error"].get<std::string>().find("bad.jsonl:4: invalid JSON"), std::string::npos) << row;
      EXPECT_TRUE(row["rank"].is_null());
      EXPECT_FALSE(row["final"].contains("train/loss"));
      continue;
    }
    EXPECT_EQ(row["status"], "COMPLETED");
    EXPECT_EQ(row["exit_code"], 0);
    EXPECT_TRUE(row["error"].is_null());
    const Logged loss = logged(dir / ("sweep/" + std::to_string(i)), "train/loss");
    ASSERT_EQ(loss.all.size(), 3u) << "one train/loss per step";
    EXPECT_DOUBLE_EQ(row["final"]["train/loss"].get<double>(), loss.last);
    EXPECT_DOUBLE_EQ(row["best"]["train/loss"]["value"].get<double>(), loss.best);
    EXPECT_EQ(row["best"]["train/loss"]["step"].get<int64_t>(), loss.best_step);
    EXPECT_EQ(row["final"]["final/global_step"], 3.0) << "final_results.json is read too";
  }
  // Job 3 ran after job 2 failed: the sweep went on.
  EXPECT_GT(rows[3]["start_time"].get<double>(), rows[2]["end_time"].get<double>());

  // The Markdown table, in the file and on the console: the swept key as a
  // column, the failed job last with its error.
  const std::string md = dir.read("sweep/sweep_results.md");
  EXPECT_EQ(md.rfind("# Sweep results, sorted by train/loss (lower is better)\n\n"
                     "| rank | job | data_file | status | train/loss | best train/loss (step) | wall time (s) | error |\n"
                     "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
                     0),
            0u)
      << md;
  const std::string failed_row = "|  | 2 | bad.jsonl | FAILED |  |  | ";
  EXPECT_NE(md.find(failed_row), std::string::npos) << md;
  EXPECT_NE(md.find("error: bad.jsonl:4: invalid JSON", md.find(failed_row)), std::string::npos) << md;
  EXPECT_GT(md.find(failed_row), md.find("| 3 | "));  // after the three ranked rows
  EXPECT_NE(r.out.find(md.substr(md.find("| rank |"))), std::string::npos) << "the table is printed\n" << r.out;
}

// The ranks follow the jobs' final train/loss (lower first) by default, and
// hydra.sweep.sort_by picks another key and its direction.
TEST(SweepResults, RowsAreSortedByTheChosenMetric) {
  ScratchDir dir;
  write_rows(dir, "data.jsonl", 0, 16);
  auto r = sweep(dir, {"hydra.sweep.dir=by-loss", "data_file=data.jsonl", "train.learning_rate=1e-3,8e-3,3e-3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::pair<double, int>> by_loss;
  for (int i = 0; i < 3; ++i) by_loss.emplace_back(logged(dir / ("by-loss/" + std::to_string(i)), "train/loss").last, i);
  std::sort(by_loss.begin(), by_loss.end());
  ASSERT_LT(by_loss[0].first, by_loss[1].first);
  ASSERT_LT(by_loss[1].first, by_loss[2].first) << "three learning rates, three different losses";
  const auto rows = jsonl_lines_with(dir / "by-loss/sweep_results.jsonl");
  ASSERT_EQ(rows.size(), 3u);
  for (int rank = 0; rank < 3; ++rank)
    EXPECT_EQ(rows[static_cast<size_t>(by_loss[static_cast<size_t>(rank)].second)]["rank"], rank + 1) << rank;
  // The table lists the jobs best first.
  const std::string md = dir.read("by-loss/sweep_results.md");
  size_t last = 0;
  for (int rank = 0; rank < 3; ++rank) {
    const size_t at = md.find("| " + std::to_string(rank + 1) + " | " + std::to_string(by_loss[static_cast<size_t>(rank)].second) + " | ");
    ASSERT_NE(at, std::string::npos) << md;
    EXPECT_GT(at, last) << md;
    last = at;
  }

  // train/lr is not a loss: higher ranks first. Its last value scales with
  // the peak learning rate, so the order is 8e-3 (job 1), 3e-3 (2), 1e-3 (0).
  auto lr = sweep(dir, {"hydra.sweep.dir=by-lr", "hydra.sweep.sort_by=train/lr", "data_file=data.jsonl",
                        "train.learning_rate=1e-3,8e-3,3e-3"});
  ASSERT_EQ(lr.exit_code, 0) << lr.err;
  const auto lr_rows = jsonl_lines_with(dir / "by-lr/sweep_results.jsonl");
  ASSERT_EQ(lr_rows.size(), 3u);
  EXPECT_EQ(lr_rows[1]["rank"], 1);
  EXPECT_EQ(lr_rows[2]["rank"], 2);
  EXPECT_EQ(lr_rows[0]["rank"], 3);
  EXPECT_GT(logged(dir / "by-lr/1", "train/lr").last, logged(dir / "by-lr/2", "train/lr").last);
  EXPECT_NE(dir.read("by-lr/sweep_results.md").find("# Sweep results, sorted by train/lr (higher is better)"),
            std::string::npos);
}

// local_parallel: n_jobs=2 runs two jobs at once (their start..end times
// overlap), each in its own process, and gives the same results as basic.
TEST(SweepResults, LocalParallelRunsJobsConcurrentlyWithBasicsResults) {
  ScratchDir dir;
  write_four_datasets(dir);
  const std::string jobs = "data_file=a.jsonl,b.jsonl,c.jsonl,bad.jsonl";
  auto basic = sweep(dir, {"hydra.sweep.dir=basic", jobs});
  auto parallel = sweep(dir, {"hydra.sweep.dir=parallel", "hydra/launcher=local_parallel", "hydra.launcher.n_jobs=2", jobs});
  EXPECT_EQ(basic.exit_code, 1) << basic.err;
  EXPECT_EQ(parallel.exit_code, 1) << parallel.err;
  EXPECT_NE(parallel.out.find("LocalParallel(n_jobs=2) is launching 4 jobs"), std::string::npos) << parallel.out;

  const auto b = jsonl_lines_with(dir / "basic/sweep_results.jsonl"), p = jsonl_lines_with(dir / "parallel/sweep_results.jsonl");
  ASSERT_EQ(b.size(), 4u);
  ASSERT_EQ(p.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    EXPECT_EQ(p[i]["status"], b[i]["status"]);
    EXPECT_EQ(p[i]["rank"], b[i]["rank"]);
    EXPECT_EQ(p[i]["overrides"], b[i]["overrides"]);
    EXPECT_EQ(p[i]["final"].value("train/loss", -1.0), b[i]["final"].value("train/loss", -1.0));
    EXPECT_EQ(logged(dir / ("parallel/" + std::to_string(i)), "train/loss").all,
              logged(dir / ("basic/" + std::to_string(i)), "train/loss").all)
        << "every step's loss, bit for bit";
  }
  EXPECT_NE(p[3]["error"].get<std::string>().find("bad.jsonl:4: invalid JSON"), std::string::npos) << p[3];

  // Basic: one after another. Parallel: jobs 0 and 1 started together, and
  // one started before the other ended.
  for (size_t i = 1; i < 4; ++i) EXPECT_GE(b[i]["start_time"].get<double>(), b[i - 1]["end_time"].get<double>());
  const double start0 = p[0]["start_time"], end0 = p[0]["end_time"], start1 = p[1]["start_time"], end1 = p[1]["end_time"];
  EXPECT_LT(std::max(start0, start1), std::min(end0, end1)) << "jobs 0 and 1 overlap in time";
  // Each job ran in a process of its own, named by the joblib-style job id.
  EXPECT_NE(dir.read("parallel/1/.hydra/hydra.yaml").find("id: train_1\n"), std::string::npos);
}

}  // namespace
}  // namespace ragforge::testing
