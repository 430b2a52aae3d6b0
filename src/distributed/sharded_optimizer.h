// ZeRO stages 1 and 2 (DeepSpeed's semantics) over the training loop's
// optimizers: each rank keeps the optimizer state (AdamW moments, 8-bit codes,
// master weights) of its own share of the parameters only
// (partition_parameters), updates that share, and then every share is
// broadcast from its owner so all ranks hold the same parameters again (the
// all-gather of parameters after the step). Stage 2 also shards gradients:
// the GradientReducer sums each gradient onto its owner only.
//
// The state dict is the same as the unsharded optimizer's (same names, same
// tensors), so a checkpoint written at any stage and world size loads at any
// other: state_dict() gathers the shares (a collective: every rank calls it,
// rank 0 gets the whole state, the others an empty map), load_state_dict()
// takes the whole state and keeps this rank's share.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "distributed/communicator.h"
#include "train/optimizer.h"

namespace ragforge::distributed {

class ShardedOptimizer final : public train::Optimizer {
 public:
  // `owners[i]`: the rank that owns parameter i (partition_parameters).
  ShardedOptimizer(Communicator& comm, const train::OptimizerConfig& config, train::NamedParameters params,
                   std::vector<int> owners);
  void step(double lr) override;
  std::map<std::string, torch::Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, torch::Tensor>& state) override;

  // Σ over this rank's owned parameters of ‖g‖² (stage 2's global norm is the
  // root of its all-reduced sum).
  double owned_grad_square_sum() const;
  const std::vector<int>& owners() const { return owners_; }

 private:
  Communicator& comm_;
  std::vector<int> owners_;
  train::NamedParameters owned_;
  std::unique_ptr<train::Optimizer> inner_;  // over owned_ only
};

// Which parameter a state-dict key belongs to: the longest parameter name
// that `key` starts with followed by '.'; "" when none.
std::string parameter_of_state_key(const std::string& key, const std::vector<std::string>& sorted_names);

}  // namespace ragforge::distributed
