// AdamW with fp32 moments (`adamw`, `adamw_torch`, `adamw_torch_fused`;
// conventions.md §10). Bit-identical to torch::optim::AdamW on fp32
// parameters. State dict, per parameter: `<name>.step` (int64 scalar),
// `<name>.exp_avg`, `<name>.exp_avg_sq` (fp32, the parameter's shape) and
// `<name>.master` (fp32) with fp32_master_weights on a bf16/fp16 parameter.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "train/adamw_core.h"
#include "train/optimizer.h"

namespace ragforge::train {

class AdamW final : public Optimizer {
 public:
  AdamW(const OptimizerConfig& config, NamedParameters params);
  void step(double lr) override;
  // The live state tensors (no copies): save them before the next step.
  std::map<std::string, torch::Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, torch::Tensor>& state) override;

 private:
  struct Moments {
    torch::Tensor exp_avg, exp_avg_sq;  // fp32, the parameter's shape
  };
  OptimizerConfig config_;
  std::vector<detail::ParamSlot> slots_;
  std::vector<Moments> moments_;  // parallel to slots_
};

}  // namespace ragforge::train
