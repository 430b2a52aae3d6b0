// What the shared training loop does differently at world size > 1, in one
// object (train/trainer.cpp holds at most one, and none at world size 1, so a
// single process runs exactly the code it always ran):
//
//   - data: an optimizer step covers micro-batches [begin, begin +
//     accumulation × world) of the epoch; rank r computes begin + r,
//     begin + r + world, ... (shard()), so the step sees the same samples as
//     one process with accumulation × world micro-batches;
//   - gradients: summed across ranks by a GradientReducer that overlaps the
//     last backward (each micro-batch's loss is already weighted by its share
//     of the global step);
//   - ZeRO (distributed.zero_stage): 1 shards the optimizer state
//     (ShardedOptimizer), 2 the gradients too;
//   - numbers: sums of losses, counts and metrics over ranks, so every logged
//     value means what it means at world size 1;
//   - random state: every rank's generators go into rank 0's checkpoint.
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "distributed/communicator.h"
#include "distributed/gradient_reducer.h"
#include "settings/distributed_settings.h"
#include "train/optimizer.h"

namespace ragforge::distributed {

class ShardedOptimizer;

class DataParallel {
 public:
  // Null at world size 1; otherwise connects (Communicator::connect).
  static std::unique_ptr<DataParallel> join(const World& world, const settings::DistributedSettings& settings,
                                            const torch::Device& device);
  DataParallel(std::unique_ptr<Communicator> comm, const settings::DistributedSettings& settings);
  ~DataParallel();

  int rank() const { return comm_->rank(); }
  int size() const { return comm_->size(); }
  Communicator& comm() { return *comm_; }
  int64_t zero_stage() const { return settings_.zero_stage; }
  std::string describe() const;  // "2 ranks (gloo), ZeRO-1, 3 gradient buckets of <= 25 MiB"

  std::vector<int64_t> shard(int64_t begin, int64_t end) const;

  // The loop's optimizer over `params` (sharded from ZeRO-1 on); also builds
  // the gradient reducer.
  std::unique_ptr<train::Optimizer> make_optimizer(const train::OptimizerConfig& config,
                                                   const train::NamedParameters& params);
  void before_backward(bool last_of_step) { reducer_->set_sync(last_of_step); }
  ReduceTiming reduce_gradients() { return reducer_->finish(); }
  // The pre-clip global norm (ZeRO-2: from every owner's share).
  double grad_norm(const train::NamedParameters& params);

  std::vector<double> sum(const std::vector<double>& values);
  double max(double value);
  // Per-key (sum, count) over ranks; keys any rank has.
  std::map<std::string, std::pair<double, int64_t>> sum_metrics(
      const std::map<std::string, std::pair<double, int64_t>>& mine);
  // Every rank's generator states; on rank 0 rank r's entries are prefixed
  // "rank<r>/" (rank 0's stay as they are), elsewhere the map is empty.
  std::map<std::string, torch::Tensor> gather_rng_states(const std::map<std::string, torch::Tensor>& mine);
  void barrier() { comm_->barrier(); }

 private:
  std::unique_ptr<Communicator> comm_;
  settings::DistributedSettings settings_;
  std::unique_ptr<GradientReducer> reducer_;
  ShardedOptimizer* sharded_ = nullptr;  // owned by the loop, when zero_stage >= 1
};

}  // namespace ragforge::distributed
