// Rotary position embeddings with HF's conventions (modeling_rope_utils.py):
// the non-interleaved form (dimension i pairs with i + D/2) and the frequency
// scalings default, linear, dynamic (NTK), yarn, longrope (Phi-3) and llama3.
//
// Shapes: B batch, T tokens, H heads, D head_dim.
#pragma once
#include <torch/torch.h>

#include <utility>

#include "model/config.h"

namespace ragforge::model {

class RotaryEmbedding {
 public:
  explicit RotaryEmbedding(const ModelConfig& config);

  // cos, sin: [B, T, D] in `dtype`, already multiplied by the attention factor
  // (yarn, longrope). Computed in float32 from position_ids [B, T], as HF does.
  // dynamic and longrope pick their frequencies from max(position_ids)+1 over the batch.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& position_ids,
                                                  torch::Dtype dtype) const;

  // inv_freq [D/2] float32 for a batch whose longest position is seq_len-1.
  torch::Tensor inv_freq(int64_t seq_len) const;
  double attention_scaling() const { return attention_scaling_; }

 private:
  RopeScaling rope_;
  int64_t dim_;
  double base_;
  int64_t max_position_embeddings_;
  torch::Tensor inv_freq_;       // the static one (short factors for longrope)
  torch::Tensor long_inv_freq_;  // longrope only
  double attention_scaling_ = 1.0;
};

// x * cos + rotate_half(x) * sin, x: [B, H, T, D], cos/sin: [B, T, D].
torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace ragforge::model
