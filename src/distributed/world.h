// Where this process sits in a multi-process job, read from the environment
// the way torchrun defines it, so a job started by `ragforge launch`,
// torchrun or SLURM's srun behaves the same:
//
//   RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT
//
// Without RANK, SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID stand in for
// RANK / WORLD_SIZE / LOCAL_RANK (MASTER_ADDR must then be set by the job
// script). Neither set: a single process (world size 1). Torch-free.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace ragforge::distributed {

struct World {
  int rank = 0, size = 1;
  int local_rank = 0, local_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "single";  // single|env|slurm: which variables said so (for messages)
  bool is_distributed() const { return size > 1; }
  bool is_main() const { return rank == 0; }
};

using GetEnv = std::function<const char*(const char*)>;

// Throws ragforge::Error naming the variable when a value is malformed or
// inconsistent (RANK >= WORLD_SIZE, a port outside 1..65535, ...).
World world_from_env(const GetEnv& getenv);
World world_from_env();  // the process environment

}  // namespace ragforge::distributed
