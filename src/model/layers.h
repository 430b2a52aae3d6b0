// The building blocks of the HF decoder families: RMSNorm, attention (GQA,
// qkv bias, Qwen3 q/k norm, Phi-3 fused qkv_proj), the SwiGLU MLP (Phi-3 fused
// gate_up_proj) and the pre-norm decoder layer.
//
// Module and parameter names are HF's (self_attn.q_proj, mlp.gate_proj, ...);
// every projection is a lora::LoRALinear, whose base weight is registered as
// "<proj>.base_layer.weight" (PEFT's in-memory name; see hf_parameter_name).
//
// Shapes: B batch, T tokens, d hidden, H heads, KV key/value heads, D head_dim, I intermediate.
#pragma once
#include <torch/torch.h>

#include "lora/lora_linear.h"
#include "model/attention.h"
#include "model/blockrank_attention.h"
#include "model/config.h"

namespace ragforge::model {

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps);
  // x: [..., dim]; normalised in float32, scaled in the input dtype (HF LlamaRMSNorm).
  // fast: model/fused_ops.h where it applies; false: the reference ops.
  torch::Tensor forward(const torch::Tensor& x, bool fast = true);
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(RMSNorm);

// Keys and values of earlier tokens, per layer, for decoding.
struct LayerCache {
  torch::Tensor k, v;  // [B, KV, Tpast, D]
};

// What every layer of one forward pass shares.
struct LayerInputs {
  torch::Tensor cos, sin;  // [B, T, D]
  std::shared_ptr<const AttentionSpec> spec;  // shared: checkpointed layers replay it in backward
  AttentionBackend backend = AttentionBackend::kFast;
  LayerCache* cache = nullptr;  // appended to when set
  // BlockRank attention instead of `spec` when set (shared like spec), and how
  // many readout rows a layer asked for its readout returns.
  std::shared_ptr<const BlockRankLayout> blockrank;
  int64_t readout_rows = 16;
};

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const ModelConfig& config);
  // [B, T, d] -> [B, T, d]. With `readout` (BlockRank only) also the readout
  // scores [B, H, R, T] of blockrank_attention.
  torch::Tensor forward(const torch::Tensor& h, const LayerInputs& in, torch::Tensor* readout = nullptr);
  // The readout scores alone: q and k, no values, no output (the early exit).
  torch::Tensor readout_scores(const torch::Tensor& h, const LayerInputs& in);

  int64_t heads, kv_heads, head_dim;
  double scale;
  bool fused;
  lora::LoRALinear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, qkv_proj{nullptr}, o_proj{nullptr};
  RMSNorm q_norm{nullptr}, k_norm{nullptr};

 private:
  // q [B, H, T, D] and k [B, KV, T, D] after RoPE; v [B, KV, T, D] when asked for.
  void project(const torch::Tensor& h, const LayerInputs& in, torch::Tensor& q, torch::Tensor& k, torch::Tensor* v);
};
TORCH_MODULE(Attention);

class MLPImpl : public torch::nn::Module {
 public:
  explicit MLPImpl(const ModelConfig& config);
  // down(silu(gate(x)) * up(x)); output_read false: only down's graph (LoRALinear::forward_graph_only)
  torch::Tensor forward(const torch::Tensor& x, bool fast = true, bool output_read = true);

  int64_t intermediate;
  bool fused;
  lora::LoRALinear gate_proj{nullptr}, up_proj{nullptr}, gate_up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(MLP);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const ModelConfig& config);
  // output_read false: the output's values are not needed, only its graph
  // (a checkpoint's replay), so the last projection's GEMM is skipped.
  torch::Tensor forward(const torch::Tensor& h, const LayerInputs& in, torch::Tensor* readout = nullptr,
                        bool output_read = true);
  // The attention readout of this layer's input (input norm, then q·k scores only).
  torch::Tensor readout_scores(const torch::Tensor& h, const LayerInputs& in);

  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  Attention self_attn{nullptr};
  MLP mlp{nullptr};
};
TORCH_MODULE(DecoderLayer);

}  // namespace ragforge::model
