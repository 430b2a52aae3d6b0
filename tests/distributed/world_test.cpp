// torchrun's and SLURM's environment contracts (distributed/world.h).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "distributed/world.h"
#include "support/error_of.h"

namespace ragforge::testing {
namespace {

distributed::World world_of(const std::map<std::string, std::string>& env) {
  return distributed::world_from_env([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(World, NoVariablesIsASingleProcess) {
  auto w = world_of({});
  EXPECT_EQ(w.rank, 0);
  EXPECT_EQ(w.size, 1);
  EXPECT_FALSE(w.is_distributed());
  EXPECT_EQ(w.source, "single");
}

TEST(World, TorchrunVariables) {
  auto w = world_of({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
                     {"MASTER_ADDR", "10.1.2.3"}, {"MASTER_PORT", "29555"}});
  EXPECT_EQ(w.rank, 3);
  EXPECT_EQ(w.size, 8);
  EXPECT_EQ(w.local_rank, 1);
  EXPECT_EQ(w.local_size, 2);
  EXPECT_EQ(w.master_addr, "10.1.2.3");
  EXPECT_EQ(w.master_port, 29555);
  EXPECT_EQ(w.source, "env");
}

TEST(World, SlurmVariablesStandInForRank) {
  auto w = world_of({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "6"}, {"SLURM_LOCALID", "2"}, {"MASTER_ADDR", "node1"}});
  EXPECT_EQ(w.rank, 5);
  EXPECT_EQ(w.size, 6);
  EXPECT_EQ(w.local_rank, 2);
  EXPECT_EQ(w.master_port, 29500);  // torchrun's default
  EXPECT_EQ(w.source, "slurm");
  // RANK wins when both are there (torchrun inside an srun allocation).
  auto both = world_of({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "6"}, {"RANK", "0"}, {"WORLD_SIZE", "2"}});
  EXPECT_EQ(both.rank, 0);
  EXPECT_EQ(both.size, 2);
}

TEST(World, InconsistentVariablesAreClearErrors) {
  EXPECT_NE(error_of([] { world_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}}); }).find("rank 2 is not below the world size 2"),
            std::string::npos);
  EXPECT_NE(error_of([] { world_of({{"RANK", "0"}}); }).find("set both RANK and WORLD_SIZE"), std::string::npos);
  EXPECT_NE(error_of([] { world_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}}); }).find("RANK='x' is not a non-negative integer"),
            std::string::npos);
  EXPECT_NE(error_of([] { world_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}}); })
                .find("MASTER_PORT=70000 is not a TCP port"),
            std::string::npos);
  EXPECT_NE(error_of([] { world_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}); }).find("set MASTER_ADDR"),
            std::string::npos);
}

}  // namespace
}  // namespace ragforge::testing
