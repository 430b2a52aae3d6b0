// The torch-free surface of `ragforge`: help, argument errors, and what the
// executables link.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

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

TEST(Cli, UnknownCommandFailsWithTheClosestCommand) {
  auto typo = run_process({ragforge_bin(), "tokenise"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("'tokenise' is not a ragforge command. Did you mean 'tokenize'?"), std::string::npos)
      << typo.err;
  EXPECT_NE(typo.err.find("train"), std::string::npos) << "the Hydra apps are listed too: " << typo.err;
  auto app_typo = run_process({ragforge_bin(), "trian"});
  EXPECT_EQ(app_typo.exit_code, 2);
  EXPECT_NE(app_typo.err.find("Did you mean 'train'?"), std::string::npos) << app_typo.err;
  auto far = run_process({ragforge_bin(), "nosuch"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.err.find("Did you mean"), std::string::npos) << far.err;
  EXPECT_NE(far.err.find("Commands: "), std::string::npos) << far.err;
}

// The shared libraries an executable asks the dynamic loader for.
std::vector<std::string> needed_libraries(const std::string& exe) {
  auto r = run_process({"readelf", "-dW", exe});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> needed;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (auto at = line.find("Shared library: ["); at != std::string::npos)
      needed.push_back(line.substr(at + 17, line.find(']', at) - at - 17));
  return needed;
}

TEST(Cli, FrontLoadsOnlyTheCRuntime) {
  // `ragforge` answers --help/--cfg/config errors in milliseconds because the
  // loader maps (next to) nothing: it is static, or, where static archives
  // are missing (cmake/FastStart.cmake) or in sanitizer builds, it needs only
  // the C/C++ runtimes and libyaml. A new dependency shows up as a slow start.
  const std::regex allowed(
      R"(^(libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+|libyaml-0|libasan|libubsan)\.so.*|^ld-linux.*)");
  for (const auto& lib : needed_libraries(ragforge_bin()))
    EXPECT_TRUE(std::regex_match(lib, allowed)) << "bin/ragforge needs " << lib;
}

TEST(Cli, FullExecutableDoesNotLinkTorch) {
  // LibTorch is dlopened by jobs only (cli/job_launcher.h).
  const std::string full = ragforge_bin() + "-full";
  for (const auto& lib : needed_libraries(full)) {
    EXPECT_EQ(lib.find("libtorch"), std::string::npos) << full << " needs " << lib;
    EXPECT_EQ(lib.find("libc10"), std::string::npos) << full << " needs " << lib;
  }
  EXPECT_FALSE(needed_libraries(full).empty()) << "readelf found no dynamic section in " << full;
}

TEST(Cli, MissingFullExecutableIsAClearError) {
  ProcessOptions o;
  o.env = {{"RAGFORGE_FULL_EXE", "/nonexistent/ragforge-full"}};
  auto r = run_process({ragforge_bin(), "smoke"}, o);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot run '/nonexistent/ragforge-full'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("RAGFORGE_FULL_EXE"), std::string::npos) << r.err;
}

TEST(Cli, UnknownSubcommandFails) {
  auto r = run_process({ragforge_bin(), "nope"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge::testing
