#include "model/layers.h"

#include "core/error.h"
#include "model/fused_ops.h"
#include "model/rope.h"

#include <cmath>

namespace ragforge::model {

RMSNormImpl::RMSNormImpl(int64_t dim, double eps_) : eps(eps_) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x, bool fast) {
  if (fast)
    if (auto y = fused_rms_norm(x, weight, eps); y.defined()) return y;
  auto h = x.to(torch::kFloat32);
  auto variance = h.pow(2).mean(-1, true);
  h = h * torch::rsqrt(variance + eps);
  return weight * h.to(x.scalar_type());
}

AttentionImpl::AttentionImpl(const ModelConfig& c)
    : heads(c.num_attention_heads),
      kv_heads(c.num_key_value_heads),
      head_dim(c.head_dim),
      scale(1.0 / std::sqrt(static_cast<double>(c.head_dim))),
      fused(c.fused_qkv) {
  const int64_t d = c.hidden_size;
  if (fused) {
    qkv_proj = register_module("qkv_proj", lora::LoRALinear(d, (heads + 2 * kv_heads) * head_dim, c.qkv_bias));
  } else {
    q_proj = register_module("q_proj", lora::LoRALinear(d, heads * head_dim, c.qkv_bias));
    k_proj = register_module("k_proj", lora::LoRALinear(d, kv_heads * head_dim, c.qkv_bias));
    v_proj = register_module("v_proj", lora::LoRALinear(d, kv_heads * head_dim, c.qkv_bias));
  }
  o_proj = register_module("o_proj", lora::LoRALinear(heads * head_dim, d, c.o_bias));
  if (c.qk_norm) {
    q_norm = register_module("q_norm", RMSNorm(head_dim, c.rms_norm_eps));
    k_norm = register_module("k_norm", RMSNorm(head_dim, c.rms_norm_eps));
  }
}

void AttentionImpl::project(const torch::Tensor& h, const LayerInputs& in, torch::Tensor& q, torch::Tensor& k,
                            torch::Tensor* v) {
  const int64_t B = h.size(0), T = h.size(1);
  torch::Tensor vv;  // [B, T, KV·D]
  if (fused) {
    auto qkv = qkv_proj->forward(h);  // rows: q | k | v
    q = qkv.narrow(-1, 0, heads * head_dim);
    k = qkv.narrow(-1, heads * head_dim, kv_heads * head_dim);
    vv = qkv.narrow(-1, (heads + kv_heads) * head_dim, kv_heads * head_dim);
  } else {
    q = q_proj->forward(h);
    k = k_proj->forward(h);
    if (v) vv = v_proj->forward(h);
  }
  const bool fast = in.backend == AttentionBackend::kFast;
  q = q.view({B, T, heads, head_dim});
  k = k.view({B, T, kv_heads, head_dim});
  if (v) *v = vv.view({B, T, kv_heads, head_dim}).transpose(1, 2);  // [B, KV, T, D]
  if (q_norm) {  // Qwen3: per-head RMSNorm before RoPE
    q = q_norm->forward(q, fast);
    k = k_norm->forward(k, fast);
  }
  auto rotary = [&](const torch::Tensor& x) {  // [B, T, heads, D] -> [B, heads, T, D]
    if (fast)
      if (auto y = fused_rotary(x, in.cos, in.sin); y.defined()) return y;
    return apply_rotary(x.transpose(1, 2), in.cos, in.sin);
  };
  q = rotary(q);
  k = rotary(k);
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& h, const LayerInputs& in, torch::Tensor* readout) {
  const int64_t B = h.size(0), T = h.size(1);
  torch::Tensor q, k, v;
  project(h, in, q, k, &v);
  if (in.cache) {
    if (in.cache->k.defined()) {
      k = torch::cat({in.cache->k, k}, 2);
      v = torch::cat({in.cache->v, v}, 2);
    }
    in.cache->k = k;
    in.cache->v = v;
  }
  torch::Tensor o;  // [B, H, T, D]
  if (in.blockrank)
    o = blockrank_attention(q, k, v, *in.blockrank, scale, readout ? in.readout_rows : 0, readout);
  else
    o = attention(in.backend, q, k, v, *in.spec, scale);
  o = o.transpose(1, 2).reshape({B, T, heads * head_dim});
  return o_proj->forward(o);
}

torch::Tensor AttentionImpl::readout_scores(const torch::Tensor& h, const LayerInputs& in) {
  if (!in.blockrank) throw Error("the attention readout needs BlockRank attention (ForwardOptions::blockrank)");
  torch::Tensor q, k;
  project(h, in, q, k, nullptr);
  return blockrank_readout_scores(q, k, *in.blockrank, scale, in.readout_rows);
}

MLPImpl::MLPImpl(const ModelConfig& c) : intermediate(c.intermediate_size), fused(c.fused_qkv) {
  const int64_t d = c.hidden_size, I = c.intermediate_size;
  if (fused) {
    gate_up_proj = register_module("gate_up_proj", lora::LoRALinear(d, 2 * I, false));
  } else {
    gate_proj = register_module("gate_proj", lora::LoRALinear(d, I, c.mlp_bias));
    up_proj = register_module("up_proj", lora::LoRALinear(d, I, c.mlp_bias));
  }
  down_proj = register_module("down_proj", lora::LoRALinear(I, d, fused ? false : c.mlp_bias));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x, bool fast, bool output_read) {
  torch::Tensor gate, up;
  if (fused) {
    auto gu = gate_up_proj->forward(x);  // [B, T, 2I]: gate | up
    gate = gu.narrow(-1, 0, intermediate);
    up = gu.narrow(-1, intermediate, intermediate);
  } else {
    gate = gate_proj->forward(x);
    up = up_proj->forward(x);
  }
  torch::Tensor act = fast ? fused_swiglu(gate, up) : torch::Tensor();
  if (!act.defined()) act = torch::silu(gate) * up;
  return output_read ? down_proj->forward(act) : down_proj->forward_graph_only(act);
}

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c) {
  self_attn = register_module("self_attn", Attention(c));
  mlp = register_module("mlp", MLP(c));
  input_layernorm = register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& h, const LayerInputs& in, torch::Tensor* readout,
                                        bool output_read) {
  const bool fast = in.backend == AttentionBackend::kFast;
  auto x = h + self_attn->forward(input_layernorm->forward(h, fast), in, readout);
  return x + mlp->forward(post_attention_layernorm->forward(x, fast), fast, output_read);
}

torch::Tensor DecoderLayerImpl::readout_scores(const torch::Tensor& h, const LayerInputs& in) {
  return self_attn->readout_scores(input_layernorm->forward(h, in.backend == AttentionBackend::kFast), in);
}

}  // namespace ragforge::model
