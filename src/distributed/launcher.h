// `ragforge launch`: starts N copies of a command on this node with
// torchrun's environment contract, so the command (usually `ragforge train
// ...`) finds its rank the same way under torchrun, srun or this launcher:
//
//   RANK = node_rank × nproc_per_node + local rank    WORLD_SIZE = nnodes × nproc_per_node
//   LOCAL_RANK, LOCAL_WORLD_SIZE = nproc_per_node, GROUP_RANK = node_rank,
//   MASTER_ADDR, MASTER_PORT, and OMP_NUM_THREADS=1 unless already set
//
// While they run it forwards SIGTERM/SIGINT/SIGUSR1/SIGHUP to every rank,
// optionally prefixes each output line with "[rank<r>]: " and copies it to
// <log_dir>/rank-<r>.log. When one rank ends with a non-zero status, the
// others get SIGTERM (at once after a crash; after stop_grace_s when the rank
// stopped on a signal, since its peers are then saving the same checkpoint)
// and SIGKILL kill_grace_s later; the launcher then exits non-zero with a
// line naming the rank and its status. Torch-free.
#pragma once
#include <string>
#include <vector>

namespace ragforge::distributed {

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;      // 0: a free port of this machine (single node only)
  bool rank_prefix = false;     // "[rank<r>]: " before every line
  std::string log_dir;          // "": no per-rank log files
  double stop_grace_s = 60;     // a rank stopped on a signal: wait this long for the others to finish saving
  double kill_grace_s = 10;     // SIGTERM → SIGKILL
  std::vector<std::string> command;
};

// Runs the job; returns the launcher's exit status (0 when every rank
// exited 0). Throws ragforge::Error for invalid options.
int launch(const LaunchOptions& options);

// A TCP port that is free on `address` right now (binds port 0).
int free_tcp_port(const std::string& address = "127.0.0.1");

// "exited with status 3", "was killed by signal 9 (SIGKILL)".
std::string describe_wait_status(int status);

}  // namespace ragforge::distributed
