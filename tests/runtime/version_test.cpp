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

TEST(SmokeCli, MatmulIsExact) {
  auto r = run_process({ragforge_bin(), "smoke"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("smoke: 512x512 matmul on cpu ok"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ragforge::testing
