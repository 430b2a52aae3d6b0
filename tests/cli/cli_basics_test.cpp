// The torch-free surface of `ragforge`: help and argument errors.
#include <gtest/gtest.h>

#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

TEST(Cli, HelpNeedsNoRuntimeLibrary) {
  // With the runtime path broken, --help still works: it never loads LibTorch.
  ProcessOptions o;
  o.env = {{"RAGFORGE_RUNTIME_LIB", "/nonexistent/libragforge_torch.so"}};
  auto r = run_process({ragforge_bin(), "--help"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("smoke"), std::string::npos) << r.out;
}

TEST(Cli, MissingRuntimeIsAClearErrorNotACrash) {
  ProcessOptions o;
  o.env = {{"RAGFORGE_RUNTIME_LIB", "/nonexistent/libragforge_torch.so"}};
  auto r = run_process({ragforge_bin(), "smoke"}, o);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot load the LibTorch runtime '/nonexistent/libragforge_torch.so'"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("RAGFORGE_RUNTIME_LIB"), std::string::npos) << r.err;
}

TEST(Cli, ExecutableDoesNotLinkTorch) {
  auto r = run_process({"ldd", ragforge_bin()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("libtorch"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("libc10"), std::string::npos) << r.out;
}

TEST(Cli, UnknownSubcommandFails) {
  auto r = run_process({ragforge_bin(), "nope"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge::testing
