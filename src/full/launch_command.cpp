// `ragforge launch`: N processes of one command with torchrun's environment
// (distributed/launcher.h), for data-parallel training on c10d:
//
//   ragforge launch --nproc-per-node 2 -- ragforge train -cn training train.max_steps=100
//   ragforge launch --nnodes 2 --node-rank 0 --master-addr 10.0.0.1 --master-port 29500
//       --nproc-per-node 8 -- ragforge train ...   (on one line; --node-rank 1 on the second node)
#include <iostream>
#include <memory>

#include "core/error.h"
#include "distributed/launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

const CommandRegistration reg(
    "launch", "Run a command as N ranks of a distributed job (torchrun's RANK/WORLD_SIZE/MASTER_* contract)",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<distributed::LaunchOptions>();
      cmd.add_option("--nproc-per-node", o->nproc_per_node, "ranks on this node")->capture_default_str()->check(CLI::PositiveNumber);
      cmd.add_option("--nnodes", o->nnodes, "nodes in the job")->capture_default_str()->check(CLI::PositiveNumber);
      cmd.add_option("--node-rank", o->node_rank, "this node's index, 0..nnodes-1")->capture_default_str();
      cmd.add_option("--master-addr", o->master_addr, "rank 0's host (its TCPStore serves the rendezvous)")->capture_default_str();
      cmd.add_option("--master-port", o->master_port, "rank 0's port; 0 picks a free one (single node)")->capture_default_str();
      cmd.add_flag("--rank-prefix", o->rank_prefix, "prefix every output line with [rank<r>]:");
      cmd.add_option("--log-dir", o->log_dir, "also write each rank's output to DIR/rank-<r>.log");
      cmd.add_option("--stop-grace", o->stop_grace_s,
                     "seconds the others may take to finish saving after a rank stopped on a signal")
          ->capture_default_str();
      cmd.add_option("--kill-grace", o->kill_grace_s, "seconds between SIGTERM and SIGKILL for the survivors")
          ->capture_default_str();
      cmd.add_option("command", o->command, "the command every rank runs, after --")->required();
      cmd.footer(
          "\nExamples:\n"
          "  ragforge launch --nproc-per-node 2 -- ragforge train -cn training train.max_steps=100\n"
          "  ragforge launch --nproc-per-node 2 --rank-prefix --master-port 0 -- ragforge train -cp configs/blockrank -cn demo\n"
          "  ragforge launch --nnodes 2 --node-rank 1 --master-addr 10.0.0.1 --nproc-per-node 8 -- ragforge train ...\n");
      return [o] {
        try {
          return distributed::launch(*o);
        } catch (const Error& e) {
          std::cerr << e.what() << "\n";
          return 2;
        }
      };
    });

}  // namespace
}  // namespace ragforge::full
