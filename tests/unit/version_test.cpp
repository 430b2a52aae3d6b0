#include <gtest/gtest.h>

#include <regex>

#include "core/version.h"

TEST(Version, IsSemverAndMatchesCMakeProject) {
  EXPECT_TRUE(std::regex_match(ragforge::version(), std::regex(R"(\d+\.\d+\.\d+)")));
  EXPECT_TRUE(std::regex_match(ragforge::git_commit(), std::regex(R"(([0-9a-f]{12}(-dirty)?)|unknown)")));
}
