#include "distributed/world.h"

#include <cstdlib>

#include "core/error.h"

namespace ragforge::distributed {
namespace {

// A non-negative integer variable; `fallback` when unset or empty.
int read_int(const GetEnv& getenv, const char* name, int fallback) {
  const char* v = getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < 0 || n > 1000000000L)
    throw Error(std::string("environment variable ") + name + "='" + v + "' is not a non-negative integer");
  return static_cast<int>(n);
}

bool is_set(const GetEnv& getenv, const char* name) {
  const char* v = getenv(name);
  return v && *v;
}

}  // namespace

World world_from_env(const GetEnv& getenv) {
  World w;
  if (is_set(getenv, "RANK") || is_set(getenv, "WORLD_SIZE")) {
    if (!is_set(getenv, "RANK") || !is_set(getenv, "WORLD_SIZE"))
      throw Error("set both RANK and WORLD_SIZE (torchrun's contract), or neither for a single process");
    w.source = "env";
    w.rank = read_int(getenv, "RANK", 0);
    w.size = read_int(getenv, "WORLD_SIZE", 1);
    w.local_rank = read_int(getenv, "LOCAL_RANK", w.rank);
    w.local_size = read_int(getenv, "LOCAL_WORLD_SIZE", w.size);
  } else if (is_set(getenv, "SLURM_PROCID") && is_set(getenv, "SLURM_NTASKS")) {
    w.source = "slurm";
    w.rank = read_int(getenv, "SLURM_PROCID", 0);
    w.size = read_int(getenv, "SLURM_NTASKS", 1);
    w.local_rank = read_int(getenv, "SLURM_LOCALID", 0);
    w.local_size = read_int(getenv, "SLURM_NTASKS_PER_NODE", w.size);
  } else {
    return w;
  }
  const std::string vars = w.source == "slurm" ? "SLURM_PROCID/SLURM_NTASKS" : "RANK/WORLD_SIZE";
  if (w.size < 1) throw Error(vars + ": the world size must be >= 1");
  if (w.rank >= w.size)
    throw Error(vars + ": rank " + std::to_string(w.rank) + " is not below the world size " + std::to_string(w.size));
  if (w.local_rank >= w.local_size) w.local_size = w.local_rank + 1;  // SLURM_NTASKS_PER_NODE may be "2(x3)"
  if (is_set(getenv, "MASTER_ADDR")) {
    w.master_addr = getenv("MASTER_ADDR");
  } else if (w.size > 1 && w.source == "slurm") {
    throw Error("SLURM job with " + std::to_string(w.size) +
                " tasks: set MASTER_ADDR to the first node's address, e.g. "
                "export MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)");
  }
  const int port = read_int(getenv, "MASTER_PORT", 29500);
  if (port < 1 || port > 65535)
    throw Error("MASTER_PORT=" + std::to_string(port) + " is not a TCP port (1..65535)");
  w.master_port = port;
  return w;
}

World world_from_env() {
  return world_from_env([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

}  // namespace ragforge::distributed
