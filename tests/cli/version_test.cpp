// `ragforge --version` and the torch-free start-up path.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

ProcessOptions with_env(std::map<std::string, std::string> env) {
  ProcessOptions o;
  o.env = std::move(env);
  return o;
}

TEST(VersionCli, PrintsVersionCommitTorchCudaBlasAndThreads) {
  auto r = run_process({ragforge_bin(), "--version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(^ragforge \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?|unknown\))")))
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nLibTorch: \d+\.\d+\.\d+\n)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nCUDA: (not available|available, \d+ device\(s\), device 0: .+)\n)")))
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nBLAS: .+\n)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nThreads: [1-9]\d* intra-op, [1-9]\d* inter-op\n)")))
      << r.out;
}

TEST(VersionCli, ThreadCountFollowsOmpNumThreads) {
  auto r = run_process({ragforge_bin(), "--version"}, with_env({{"OMP_NUM_THREADS", "1"}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Threads: 1 intra-op"), std::string::npos) << r.out;
}

TEST(VersionCli, UsesEveryCoreByDefault) {
  auto r = run_process({ragforge_bin(), "--version"}, with_env({{"OMP_NUM_THREADS", ""}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string want = "Threads: " + std::to_string(std::thread::hardware_concurrency()) + " intra-op";
  EXPECT_NE(r.out.find(want), std::string::npos) << r.out;
}

TEST(VersionCli, HelpNeedsNoRuntimeLibrary) {
  // Proves --help never loads LibTorch: with the runtime path broken it still works.
  auto r = run_process({ragforge_bin(), "--help"}, with_env({{"RAGFORGE_RUNTIME_LIB", "/nonexistent/libragforge_torch.so"}}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("smoke"), std::string::npos) << r.out;
}

TEST(VersionCli, MissingRuntimeIsAClearErrorNotACrash) {
  auto r = run_process({ragforge_bin(), "smoke"}, with_env({{"RAGFORGE_RUNTIME_LIB", "/nonexistent/libragforge_torch.so"}}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot load the LibTorch runtime '/nonexistent/libragforge_torch.so'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("RAGFORGE_RUNTIME_LIB"), std::string::npos) << r.err;
}

TEST(VersionCli, ExecutableDoesNotLinkTorch) {
  auto r = run_process({"ldd", ragforge_bin()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("libtorch"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("libc10"), std::string::npos) << r.out;
}

TEST(SmokeCli, MatmulIsExact) {
  auto r = run_process({ragforge_bin(), "smoke"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("smoke: 512x512 matmul on cpu ok"), std::string::npos) << r.out;
}

TEST(Cli, UnknownSubcommandFails) {
  auto r = run_process({ragforge_bin(), "nope"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge::testing
