// The collectives the training loop needs, over one c10d process group
// (ProcessGroupGloo on CPU, ProcessGroupNCCL on a CUDA build) with a
// TCPStore rendezvous at MASTER_ADDR:MASTER_PORT. Every call is a collective:
// all ranks make the same calls in the same order. Every wait is bounded by
// distributed.timeout_s; a failure or timeout throws ragforge::Error naming
// the operation, this rank and the likely cause (a peer died or hung).
//
//   auto comm = distributed::Communicator::connect(world, args.distributed, device);
//   comm->all_reduce_sum(stats);            // in place
//   auto h = comm->all_reduce_sum_async(bucket);  ...  h.wait();
//
// The c10d types stay in communicator.cpp (compat/c10d_compat.h), so users
// of this header compile without the gloo headers.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "distributed/world.h"
#include "settings/distributed_settings.h"

namespace ragforge::distributed {

class Communicator {
 public:
  // A collective in flight; wait() rethrows its failure as ragforge::Error.
  class Pending {
   public:
    Pending() = default;
    explicit Pending(std::function<void()> wait) : wait_(std::move(wait)) {}
    void wait();
    bool active() const { return static_cast<bool>(wait_); }

   private:
    std::function<void()> wait_;
  };

  // Rendezvous and group creation (every rank of `world`; size > 1).
  static std::unique_ptr<Communicator> connect(const World& world, const settings::DistributedSettings& settings,
                                               const torch::Device& device);
  ~Communicator();

  int rank() const { return world_.rank; }
  int size() const { return world_.size; }
  const World& world() const { return world_; }
  const std::string& backend() const { return backend_; }
  double timeout_s() const { return timeout_s_; }

  Pending all_reduce_sum_async(const torch::Tensor& tensor);          // in place, on every rank
  Pending reduce_sum_async(const torch::Tensor& tensor, int root);    // in place on `root` only
  void all_reduce_sum(const torch::Tensor& tensor);
  void all_reduce_max(const torch::Tensor& tensor);
  void broadcast(const torch::Tensor& tensor, int root);
  // Every rank's string, in rank order (two collectives: lengths, then bytes).
  std::vector<std::string> all_gather_strings(const std::string& mine);
  void barrier();

 private:
  struct Impl;
  Communicator(World world, std::string backend, double timeout_s, std::unique_ptr<Impl> impl);
  [[noreturn]] void fail(const std::string& what, const std::exception& e) const;

  World world_;
  std::string backend_;
  double timeout_s_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ragforge::distributed
