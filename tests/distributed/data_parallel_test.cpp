// The shared training loop at world size 2 (real Gloo processes on loopback,
// started through `ragforge launch`) against the same loop in one process:
// equivalence with accumulation, ZeRO stages, checkpoints across stages and
// world sizes, exact resume, signals, dead ranks and a wrong master address.
// Tolerances: 1e-6 for fp32 sums taken in another order; bit-exact where the
// arithmetic is the same.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "distributed/launcher.h"
#include "support/scratch_dir.h"
#include "toy_job.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// One rank of a toy job (see toy_job.h); skipped in a normal test run.
// DISABLED_: never part of a normal run; the tests below start it by name.
TEST(DistributedWorker, DISABLED_Run) {
  if (!std::getenv("TOY_OUT")) GTEST_SKIP() << "a rank of a toy job; the tests below start it";
  int code = 1;
  try {
    code = ToyJob::from_env().run().exit_code;
  } catch (const std::exception& e) {
    std::cerr << "worker: " << e.what() << std::endl;
  }
  std::cout << std::flush;
  std::cerr << std::flush;
  std::_Exit(code);  // the launcher sees the trainer's status (143 on SIGTERM)
}

void expect_same_run(const std::string& a, const std::string& b, double tol, const std::string& what) {
  auto la = metric_lines(a), lb = metric_lines(b);
  ASSERT_EQ(la.size(), lb.size()) << what;
  ASSERT_FALSE(la.empty()) << what;
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(la[i]["step"], lb[i]["step"]) << what;
    for (const char* k : {"train/loss", "train/grad_norm", "train/supervised"})
      EXPECT_NEAR(la[i][k].get<double>(), lb[i][k].get<double>(), tol) << what << ": " << k << " at step " << la[i]["step"];
    EXPECT_EQ(la[i]["train/tokens"], lb[i]["train/tokens"]) << what;
  }
  auto wa = read_weights(a + "/final/model.safetensors"), wb = read_weights(b + "/final/model.safetensors");
  ASSERT_EQ(wa.size(), wb.size());
  for (const auto& [name, t] : wa)
    EXPECT_LE((t - wb.at(name)).abs().max().item<double>(), tol) << what << ": weight " << name;
}

ToyJob job_in(const ScratchDir& dir, const std::string& name) {
  ToyJob j;
  j.out = dir / name;
  return j;
}

TEST(DataParallel, TwoRanksEqualOneRankWithTwiceTheAccumulation) {
  ScratchDir dir;
  // (a) microbatch_mean, one micro-batch per rank and step.
  ToyJob two = job_in(dir, "two");
  two.max_steps = 5;
  auto r = launch_toy_job(two, 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ToyJob one = two;
  one.out = dir / "one";
  one.accum = 2;
  ASSERT_EQ(one.run().exit_code, 0);
  expect_same_run(one.out, two.out, 1e-6, "microbatch_mean");

  // (b) token_mean with accumulation 3 per rank: 16 micro-batches make
  // groups of 6, 6 and 4, so the last step of the epoch is partial (2 each).
  ToyJob two_tm = job_in(dir, "two_tm");
  two_tm.accum = 3;
  two_tm.max_steps = 4;
  two_tm.loss_reduction = "token_mean";
  r = launch_toy_job(two_tm, 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ToyJob one_tm = two_tm;
  one_tm.out = dir / "one_tm";
  one_tm.accum = 6;
  ASSERT_EQ(one_tm.run().exit_code, 0);
  expect_same_run(one_tm.out, two_tm.out, 1e-6, "token_mean");
  // The loop says what it does.
  EXPECT_NE(r.out.find("× 2 ranks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("data parallel over 2 ranks (gloo), ZeRO-0"), std::string::npos) << r.out;
}

TEST(DataParallel, ZeroStagesOneAndTwoMatchStageZeroAndShareTheCheckpointFormat) {
  ScratchDir dir;
  std::map<int, std::string> outs;
  for (int stage : {0, 1, 2}) {
    ToyJob j = job_in(dir, "zero" + std::to_string(stage));
    j.zero_stage = stage;
    j.bucket_mb = 0.002;  // ~2 KiB: many buckets, owners split inside the model
    j.save_steps = 2;
    j.max_steps = 4;
    auto r = launch_toy_job(j, 2);
    ASSERT_EQ(r.exit_code, 0) << "stage " << stage << ": " << r.err;
    outs[stage] = j.out;
  }
  expect_same_run(outs[0], outs[1], 1e-6, "ZeRO-1 vs 0");
  expect_same_run(outs[0], outs[2], 1e-6, "ZeRO-2 vs 0");
  // The gathered optimizer state has the unsharded names and values.
  for (int stage : {1, 2}) {
    auto ref = read_weights(outs[0] + "/checkpoint-4/trainer_state/optimizer.safetensors");
    auto got = read_weights(outs[stage] + "/checkpoint-4/trainer_state/optimizer.safetensors");
    ASSERT_EQ(ref.size(), got.size()) << "stage " << stage;
    ASSERT_EQ(ref.size(), 7u * 3u) << "step, exp_avg, exp_avg_sq for each of the toy model's 7 tensors";
    for (const auto& [name, t] : ref) {
      ASSERT_TRUE(got.count(name)) << name;
      EXPECT_LE((t.to(torch::kDouble) - got.at(name).to(torch::kDouble)).abs().max().item<double>(), 1e-6) << name;
    }
  }
}

// The final weights of two runs' output dirs agree within 1e-6.
void expect_same_final_weights(const std::string& a_out, const std::string& b_out) {
  auto a = read_weights(a_out + "/final/model.safetensors"), b = read_weights(b_out + "/final/model.safetensors");
  for (const auto& [name, t] : a) EXPECT_LE((t - b.at(name)).abs().max().item<double>(), 1e-6) << name;
}

TEST(DataParallel, AZeroTwoCheckpointResumesAtWorldSizeOne) {
  ScratchDir dir;
  ToyJob two = job_in(dir, "two");
  two.zero_stage = 2;
  two.save_steps = 2;
  two.max_steps = 4;
  auto r = launch_toy_job(two, 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // One process, accumulation 2, from the 2-rank ZeRO-2 checkpoint at step 2.
  ToyJob one = two;
  one.out = dir / "one";
  one.accum = 2;
  one.zero_stage = 0;
  one.resume = two.out + "/checkpoint-2";
  ASSERT_EQ(one.run().exit_code, 0);
  auto resumed = metric_lines(one.out), straight = metric_lines(two.out);
  ASSERT_EQ(resumed.size(), 2u);
  ASSERT_EQ(straight.size(), 4u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(resumed[i]["step"], straight[i + 2]["step"]);
    EXPECT_NEAR(resumed[i]["train/loss"].get<double>(), straight[i + 2]["train/loss"].get<double>(), 1e-6);
    EXPECT_NEAR(resumed[i]["train/grad_norm"].get<double>(), straight[i + 2]["train/grad_norm"].get<double>(), 1e-6);
    EXPECT_EQ(resumed[i]["train/tokens"], straight[i + 2]["train/tokens"]) << "same sample position";
  }
  expect_same_final_weights(one.out, two.out);
}

TEST(DataParallel, AWorldSizeOneCheckpointResumesOnTwoRanksWithZeroTwo) {
  ScratchDir dir;
  ToyJob one = job_in(dir, "one");
  one.accum = 2;
  one.save_steps = 2;
  one.max_steps = 4;
  ASSERT_EQ(one.run().exit_code, 0);
  ToyJob two = one;
  two.out = dir / "two";
  two.accum = 1;
  two.zero_stage = 2;
  two.resume = one.out + "/checkpoint-2";
  auto r = launch_toy_job(two, 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto straight = metric_lines(one.out), resumed = metric_lines(two.out);
  ASSERT_EQ(resumed.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(resumed[i]["step"], straight[i + 2]["step"]);
    EXPECT_NEAR(resumed[i]["train/loss"].get<double>(), straight[i + 2]["train/loss"].get<double>(), 1e-6);
  }
  expect_same_final_weights(one.out, two.out);
}

TEST(DataParallel, ResumeAtTheSameWorldSizeIsBitExact) {
  ScratchDir dir;
  ToyJob straight = job_in(dir, "straight");
  straight.zero_stage = 1;
  straight.dropout = 0.1;  // each rank's dropout generator must come back too
  straight.save_steps = 2;
  straight.max_steps = 4;
  auto r = launch_toy_job(straight, 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ToyJob resumed = straight;
  resumed.out = dir / "resumed";
  resumed.resume = straight.out + "/checkpoint-2";
  r = launch_toy_job(resumed, 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto a = metric_lines(straight.out), b = metric_lines(resumed.out);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(b[i]["step"], a[i + 2]["step"]);
    EXPECT_EQ(b[i]["train/loss"].get<double>(), a[i + 2]["train/loss"].get<double>()) << "step " << i + 3;
    EXPECT_EQ(b[i]["train/grad_norm"].get<double>(), a[i + 2]["train/grad_norm"].get<double>()) << "step " << i + 3;
  }
  auto wa = read_weights(straight.out + "/final/model.safetensors");
  auto wb = read_weights(resumed.out + "/final/model.safetensors");
  for (const auto& [name, t] : wa) EXPECT_TRUE(torch::equal(t, wb.at(name))) << name;
  // The checkpoint holds rank 1's generators next to rank 0's.
  auto rng = read_weights(straight.out + "/checkpoint-2/trainer_state/rng.safetensors");
  EXPECT_EQ(rng.size(), 2u);
  EXPECT_TRUE(rng.count("cpu"));
  EXPECT_TRUE(rng.count("rank1/cpu"));
}

// ---- jobs that end early ----------------------------------------------------------

struct Running {
  pid_t pid = -1;
  std::string out_file, err_file;
  int wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string err() const { return read_file(err_file); }
};

// The launcher in the background, its output in files.
Running start_launch(const ToyJob& job, const ScratchDir& dir, int nproc) {
  Running run;
  run.out_file = dir / "launch.out";
  run.err_file = dir / "launch.err";
  std::vector<std::string> argv = {ragforge_bin(), "launch", "--nproc-per-node", std::to_string(nproc),
                                   "--master-port", "0", "--kill-grace", "3", "--"};
  for (const auto& a : worker_command()) argv.push_back(a);
  auto env = job.env();
  env["OMP_NUM_THREADS"] = "1";
  run.pid = ::fork();
  if (run.pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::freopen(run.out_file.c_str(), "w", stdout);
    std::freopen(run.err_file.c_str(), "w", stderr);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  return run;
}

pid_t wait_for_pid_file(const std::string& path) {
  for (int i = 0; i < 600 && !fs::exists(path); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::ifstream f(path);
  pid_t pid = -1;
  f >> pid;
  return pid;
}

std::vector<std::string> checkpoints_in(const std::string& out) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("checkpoint-", 0) == 0 || n.rfind(".tmp-", 0) == 0) names.push_back(n);
  }
  return names;
}

TEST(DataParallel, SigtermToOneRankLeavesOneResumableCheckpoint) {
  ScratchDir dir;
  ToyJob job = job_in(dir, "out");
  job.max_steps = 200;
  job.slow_ms = 20;
  job.pid_dir = dir.path();
  Running run = start_launch(job, dir, 2);
  const pid_t rank1 = wait_for_pid_file(dir / "pid-1");
  ASSERT_GT(rank1, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few steps
  ::kill(rank1, SIGTERM);
  const int code = run.wait();
  EXPECT_EQ(code, 143) << run.err();
  EXPECT_NE(run.err().find("received SIGTERM at step "), std::string::npos) << run.err();
  // Exactly one checkpoint, complete and pointed at by `latest`.
  const auto names = checkpoints_in(job.out);
  ASSERT_EQ(names.size(), 1u) << run.err();
  EXPECT_TRUE(fs::exists(job.out + "/" + names[0] + "/trainer_state/state.json"));
  EXPECT_EQ(read_file(job.out + "/latest"), names[0] + "\n");
  const int64_t step = std::stoll(names[0].substr(std::string("checkpoint-").size()));
  EXPECT_GE(step, 1);
  EXPECT_LT(step, 200);
  // It resumes at the same world size and runs to max_steps; the metrics of
  // the steps after the checkpoint are replaced, so each step is logged once.
  ToyJob more = job;
  more.slow_ms = 0;
  more.pid_dir.clear();
  more.resume = "latest";
  auto r = launch_toy_job(more, 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("train: resumed from " + job.out + "/" + names[0] + " at step " + std::to_string(step)),
            std::string::npos)
      << r.out;
  auto lines = metric_lines(job.out);
  ASSERT_EQ(lines.size(), 200u);
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i]["step"].get<int64_t>(), static_cast<int64_t>(i + 1));
}

// A 2-rank job that runs long; once both ranks work, rank 1 gets `sig`.
struct Interrupted {
  int code;
  double seconds;  // from the signal to the launcher's exit
  pid_t rank1;
  std::string err;
};
Interrupted signal_rank1(const ScratchDir& dir, int timeout_s, int sig) {
  ToyJob job = job_in(dir, "out");
  job.max_steps = 500;
  job.slow_ms = 20;
  job.timeout_s = timeout_s;
  job.pid_dir = dir.path();
  Running run = start_launch(job, dir, 2);
  const pid_t rank1 = wait_for_pid_file(dir / "pid-1");
  if (rank1 <= 0) return {-1, 0, rank1, run.err()};
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = Clock::now();
  ::kill(rank1, sig);
  const int code = run.wait();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (sig == SIGSTOP) ::kill(rank1, SIGKILL);  // a stopped rank is still there
  return {code, seconds, rank1, run.err()};
}

TEST(DataParallel, AKilledRankEndsTheJobWithinTheTimeoutAndIsNamed) {
  ScratchDir dir;
  const Interrupted r = signal_rank1(dir, 20, SIGKILL);
  ASSERT_GT(r.rank1, 0) << r.err;
  EXPECT_NE(r.code, 0);
  EXPECT_LT(r.seconds, 20) << r.err;
  EXPECT_NE(r.err.find("ragforge launch: failed: rank 1 (local rank 1, pid " + std::to_string(r.rank1) +
                       ") was killed by signal 9 (SIGKILL)"),
            std::string::npos)
      << r.err;
}

TEST(DataParallel, AHungRankIsATimeoutErrorNotAHang) {
  ScratchDir dir;
  const Interrupted r = signal_rank1(dir, 3, SIGSTOP);  // alive, holding its sockets, answering nothing
  ASSERT_GT(r.rank1, 0) << r.err;
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_LT(r.seconds, 3 + 3 + 10.0) << "timeout_s, then the launcher's kill grace";
  EXPECT_NE(r.err.find("ragforge launch: failed: rank 0 (local rank 0, pid "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("distributed (rank 0 of 2, gloo): "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stopped answering within distributed.timeout_s=3"), std::string::npos) << r.err;
}

// One rank started by hand, the way a wrong MASTER_* setting starts it.
ProcessResult lone_rank(const ScratchDir& dir, int rank, const std::string& addr, int port) {
  ToyJob job = job_in(dir, "out");
  job.timeout_s = 2;
  ProcessOptions o;
  o.env = job.env();
  o.env.insert({{"RANK", std::to_string(rank)}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", addr},
                {"MASTER_PORT", std::to_string(port)}, {"OMP_NUM_THREADS", "1"}});
  return run_process(worker_command(), o);
}

TEST(DataParallel, AWrongMasterPortOrAnUnreachableMasterIsAClearError) {
  ScratchDir dir;
  const int port = distributed::free_tcp_port();  // nobody listens there
  for (const std::string addr : {"127.0.0.1", "127.0.0.2"}) {
    const auto t0 = Clock::now();
    auto r = lone_rank(dir, 1, addr, port);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("distributed (rank 1 of 2): cannot reach the master at " + addr + ":" + std::to_string(port) +
                         " within distributed.timeout_s=2; check MASTER_ADDR and MASTER_PORT"),
              std::string::npos)
        << r.err;
    EXPECT_LT(seconds, 30.0);
  }
  // Rank 0 on a port another process listens on.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  a.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  auto r = lone_rank(dir, 0, "127.0.0.1", port);
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("distributed (rank 0 of 2): cannot listen on MASTER_PORT " + std::to_string(port) +
                       ": another process uses it"),
            std::string::npos)
      << r.err;
}

TEST(DataParallel, OnlyRankZeroWritesIntoTheRunDir) {
  ScratchDir dir;
  ToyJob job = job_in(dir, "out");
  job.out_per_rank = true;  // rank r writes under out/rank<r>: rank 1's must stay empty
  job.save_steps = 2;
  job.max_steps = 4;
  auto r = launch_toy_job(job, 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> rank0, rank1;
  for (const auto& e : fs::recursive_directory_iterator(dir / "out/rank0"))
    if (e.is_regular_file()) rank0.push_back(fs::relative(e.path(), dir / "out/rank0").string());
  if (fs::exists(dir / "out/rank1"))
    for (const auto& e : fs::recursive_directory_iterator(dir / "out/rank1")) rank1.push_back(e.path().string());
  std::sort(rank0.begin(), rank0.end());
  EXPECT_EQ(rank0, (std::vector<std::string>{"checkpoint-2/model.safetensors", "checkpoint-2/trainer_state/optimizer.safetensors",
                                             "checkpoint-2/trainer_state/rng.safetensors", "checkpoint-2/trainer_state/state.json",
                                             "checkpoint-4/model.safetensors", "checkpoint-4/trainer_state/optimizer.safetensors",
                                             "checkpoint-4/trainer_state/rng.safetensors", "checkpoint-4/trainer_state/state.json",
                                             "final/model.safetensors", "final_results.json", "latest", "logs/metrics.jsonl"}));
  EXPECT_TRUE(rank1.empty()) << rank1.front();
  auto lines = metric_lines(dir / "out/rank0");
  ASSERT_EQ(lines.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(lines[i]["step"], static_cast<int64_t>(i + 1));
}

}  // namespace
}  // namespace ragforge::testing
