// 8-bit AdamW (`adamw_8bit`, alias `paged_adamw_8bit`; conventions.md §10),
// bitsandbytes' blockwise scheme: tensors of 4096 or more elements keep each
// moment as uint8 codes plus one fp32 absmax per 2048-element block (dynamic
// code map, signed for exp_avg and unsigned for exp_avg_sq; blockwise_quant.h).
// A step dequantizes, applies the ordinary fp32 AdamW update with the fp32
// moments, then requantizes them. It walks a tensor in chunks of whole
// blocks, so the fp32 temporaries stay small. Smaller tensors keep fp32
// moments and are updated exactly as by `adamw`.
//
// State dict, per parameter: `<name>.step` (int64 scalar), `<name>.master`
// (fp32_master_weights on bf16/fp16), and either `<name>.exp_avg.codes`,
// `<name>.exp_avg_sq.codes` (uint8 [n], flattened) with `<name>.exp_avg.absmax`,
// `<name>.exp_avg_sq.absmax` (fp32 [ceil(n/2048)]), or, below 4096 elements,
// `<name>.exp_avg`, `<name>.exp_avg_sq` (fp32, the parameter's shape).
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "train/adamw_core.h"
#include "train/blockwise_quant.h"
#include "train/optimizer.h"

namespace ragforge::train {

class AdamW8bit final : public Optimizer {
 public:
  static constexpr int64_t kMinQuantizedElements = 4096;
  static constexpr int64_t kChunkElements = 512 * kQuantBlockSize;  // per dequantize/update/requantize pass

  AdamW8bit(const OptimizerConfig& config, NamedParameters params);
  void step(double lr) override;
  // The live state tensors (no copies): save them before the next step.
  std::map<std::string, torch::Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, torch::Tensor>& state) override;

 private:
  struct Quantized {
    torch::Tensor codes;   // uint8 [n]
    torch::Tensor absmax;  // fp32 [nb]
  };
  struct Moments {
    bool quantized = false;
    torch::Tensor exp_avg, exp_avg_sq;  // fp32, when !quantized
    Quantized q_avg, q_avg_sq;          // when quantized
    CodeBook signed_book, unsigned_book;  // on the parameter's device, when quantized
  };
  void step_quantized(detail::ParamSlot& slot, Moments& m, double lr);

  OptimizerConfig config_;
  std::vector<detail::ParamSlot> slots_;
  std::vector<Moments> moments_;  // parallel to slots_
};

}  // namespace ragforge::train
