// `ragforge launch` on plain shell commands: torchrun's environment, rank
// prefixes and log files, a failing or killed rank ending the job with a
// message naming it, and signals reaching every rank.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

ProcessResult launch(const std::vector<std::string>& launcher_args, const std::string& script) {
  std::vector<std::string> argv = {ragforge_bin(), "launch"};
  argv.insert(argv.end(), launcher_args.begin(), launcher_args.end());
  argv.insert(argv.end(), {"--", "/bin/sh", "-c", script});
  return run_process(argv);
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(LaunchCli, EveryRankGetsTorchrunsEnvironment) {
  auto r = launch({"--nproc-per-node", "3", "--nnodes", "2", "--node-rank", "1", "--master-addr", "127.0.0.1",
                   "--master-port", "29777", "--rank-prefix"},
                  "echo \"env $RANK $LOCAL_RANK $WORLD_SIZE $LOCAL_WORLD_SIZE $GROUP_RANK $MASTER_ADDR $MASTER_PORT "
                  "$OMP_NUM_THREADS\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Node 1 of 2 with 3 ranks each: global ranks 3, 4, 5.
  EXPECT_NE(r.out.find("[rank3]: env 3 0 6 3 1 127.0.0.1 29777 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[rank4]: env 4 1 6 3 1 127.0.0.1 29777 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[rank5]: env 5 2 6 3 1 127.0.0.1 29777 1\n"), std::string::npos) << r.out;
  EXPECT_EQ(count(r.out, "env "), 3u);
}

TEST(LaunchCli, LogDirHoldsEachRanksOutputAndPortZeroPicksAFreePort) {
  ScratchDir dir;
  auto r = launch({"--nproc-per-node", "2", "--master-port", "0", "--log-dir", dir / "logs"},
                  "echo \"out $RANK $MASTER_PORT\"; echo \"err $RANK\" >&2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int rank = 0; rank < 2; ++rank) {
    const std::string log = read_file(dir / ("logs/rank-" + std::to_string(rank) + ".log"));
    EXPECT_NE(log.find("out " + std::to_string(rank) + " "), std::string::npos) << log;
    EXPECT_NE(log.find("err " + std::to_string(rank)), std::string::npos) << log;
    EXPECT_EQ(log.find("out " + std::to_string(1 - rank)), std::string::npos) << log;
  }
  EXPECT_EQ(r.out.find("out 0 0\n"), std::string::npos) << "port 0 is replaced by a real port: " << r.out;
}

TEST(LaunchCli, AFailingRankStopsTheOthersAndIsNamed) {
  const auto t0 = std::chrono::steady_clock::now();
  // Rank 1 fails at once; rank 0 would sleep for a minute.
  auto r = launch({"--nproc-per-node", "2", "--master-port", "0", "--kill-grace", "2"},
                  "if [ \"$RANK\" = 1 ]; then exit 3; fi; exec sleep 60");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("ragforge launch: failed: rank 1 (local rank 1, pid "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(") exited with status 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rank 0 was killed by signal 15 (SIGTERM)"), std::string::npos) << r.err;
  EXPECT_LT(seconds, 20.0);
}

TEST(LaunchCli, AKilledRankIsNamedWithItsSignal) {
  auto r = launch({"--nproc-per-node", "2", "--master-port", "0", "--kill-grace", "2"},
                  "if [ \"$RANK\" = 0 ]; then kill -9 $$; fi; exec sleep 60");
  EXPECT_EQ(r.exit_code, 137) << r.err;
  EXPECT_NE(r.err.find("failed: rank 0 (local rank 0, pid "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("was killed by signal 9 (SIGKILL)"), std::string::npos) << r.err;
}

TEST(LaunchCli, SignalsAreForwardedToEveryRank) {
  ScratchDir dir;
  // Each rank writes its pid, then waits for SIGTERM, which it records and exits 143 on.
  const std::string script = "trap 'echo got > " + dir.path() + "/term-$RANK; exit 143' TERM; echo $$ > " +
                             dir.path() + "/pid-$RANK; while :; do sleep 0.05; done";
  std::vector<std::string> argv = {ragforge_bin(), "launch", "--nproc-per-node", "2", "--master-port", "0",
                                   "--", "/bin/sh", "-c", script};
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  for (int i = 0; i < 200 && !(fs::exists(dir / "pid-0") && fs::exists(dir / "pid-1")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(dir / "pid-1"));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 143);
  EXPECT_TRUE(fs::exists(dir / "term-0"));
  // (stderr went to the test's own: "stopped by SIGTERM; every rank exited with status 143")
  EXPECT_TRUE(fs::exists(dir / "term-1"));
}

TEST(LaunchCli, BadOptionsAreClearErrors) {
  auto r = launch({"--nnodes", "2", "--node-rank", "2"}, "true");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--node-rank 2 must be in [0, --nnodes)"), std::string::npos) << r.err;
  r = launch({"--nnodes", "2", "--master-port", "0"}, "true");
  EXPECT_NE(r.err.find("--master-port 0 picks a port on this machine only"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge::testing
