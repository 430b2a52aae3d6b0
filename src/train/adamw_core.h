// What both AdamW variants (adamw.h, adamw_8bit.h) share: per-parameter
// bookkeeping (decay group, step count, fp32 master copy), the update itself
// op for op as LibTorch's torch::optim::AdamW computes it, and checked
// state-dict loading. Private to src/train.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "train/optimizer.h"

namespace ragforge::train::detail {

// One trainable tensor as the optimizer sees it.
struct ParamSlot {
  std::string name;
  torch::Tensor param;
  double weight_decay = 0.0;  // 0 in the no-decay group
  int64_t step = 0;           // updates applied so far (bias correction)
  torch::Tensor master;       // fp32 copy of a bf16/fp16 parameter (fp32_master_weights), else undefined
};

// Checks the hyper-parameters and the parameters (defined, floating point,
// contiguous, unique names and tensors) and assigns the decay groups.
// Throws ragforge::Error.
std::vector<ParamSlot> make_slots(const OptimizerConfig& config, const NamedParameters& params);

// The slot's gradient, flattened, in the parameter's dtype.
torch::Tensor flat_grad(const ParamSlot& slot);

// Elements [begin, end) of the flattened parameter as an fp32 tensor to
// update in place: a view of the master copy, of the parameter itself when it
// is fp32, or else an fp32 copy. commit() writes it back (rounded) unless it
// already is the parameter.
torch::Tensor fp32_window(const ParamSlot& slot, int64_t begin, int64_t end);
void commit(const ParamSlot& slot, const torch::Tensor& window, int64_t begin, int64_t end);

// One AdamW update at step `step` (1-based) of `target` with gradient `grad`
// (both fp32, same shape); `exp_avg`/`exp_avg_sq` are updated in place. The
// ops are those of torch::optim::AdamW (torch/csrc/api/src/optim/adamw.cpp),
// so the result is bit-identical to it: decoupled decay p·(1−lr·wd), then
// m, v, denom = sqrt(v)/sqrt(1−β2^t) + eps, p −= lr/(1−β1^t) · m/denom.
void adamw_update(const torch::Tensor& target, const torch::Tensor& grad,
                  const torch::Tensor& exp_avg, const torch::Tensor& exp_avg_sq, int64_t step,
                  double lr, double weight_decay, const OptimizerConfig& config);

// `<name>.step` (int64 scalar) and, with a master copy, `<name>.master`.
void put_slot_state(const ParamSlot& slot, std::map<std::string, torch::Tensor>& out);

// Loads a state dict all or nothing: every expect() checks an entry's
// presence, dtype and shape, apply() rejects entries nobody expected and only
// then copies. Errors name the entry.
class StateLoader {
 public:
  explicit StateLoader(const std::map<std::string, torch::Tensor>& state) : state_(state) {}
  // The entry `key` will be copied into `dst` (same dtype and shape required).
  void expect(const std::string& key, const torch::Tensor& dst);
  // The int64 scalar `key` will be stored in `*dst`.
  void expect_step(const std::string& key, int64_t* dst);
  void apply();

 private:
  const torch::Tensor& find(const std::string& key) const;
  const std::map<std::string, torch::Tensor>& state_;
  std::vector<std::pair<const torch::Tensor*, torch::Tensor>> copies_;  // (source, destination)
  std::vector<std::pair<int64_t, int64_t*>> steps_;
  std::map<std::string, bool> used_;
};

// expect()s what put_slot_state() writes.
void expect_slot_state(ParamSlot& slot, StateLoader& loader);

}  // namespace ragforge::train::detail
