// The architecture of an HF decoder model, read from its config.json
// (conventions.md §1.1). One struct covers llama, mistral, qwen2, qwen3 and
// phi3; family differences become flags here so the model code has no
// per-family branches beyond them.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>  // the raw config, kept for saving
#include <optional>
#include <string>
#include <vector>

namespace ragforge::model {

// RoPE frequency scaling, HF `rope_scaling` (modeling_rope_utils.py).
struct RopeScaling {
  std::string type = "default";  // default, linear, dynamic, yarn, longrope, llama3
  double factor = 1.0;
  // llama3
  double low_freq_factor = 1.0, high_freq_factor = 4.0;
  // llama3, yarn, longrope: the pre-extension context (O)
  int64_t original_max_position_embeddings = 0;
  // yarn
  double beta_fast = 32.0, beta_slow = 1.0;
  std::optional<double> mscale, mscale_all_dim;
  bool truncate = true;
  // yarn, longrope: explicit attention factor (else derived from factor)
  std::optional<double> attention_factor;
  // longrope
  std::vector<double> short_factor, long_factor;
};

struct ModelConfig {
  std::string model_type;  // llama, mistral, qwen2, qwen3, phi3
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope;

  bool qkv_bias = false;    // q/k/v projections carry biases (qwen2 always; llama/qwen3 attention_bias)
  bool o_bias = false;      // o_proj bias (llama/qwen3 attention_bias)
  bool mlp_bias = false;    // llama mlp_bias
  bool qk_norm = false;     // qwen3: RMSNorm over head_dim on q and k before RoPE
  bool fused_qkv = false;   // phi3: qkv_proj, gate_up_proj
  int64_t sliding_window = 0;  // 0 = none; query i sees keys j with i-w < j <= i
  bool tie_word_embeddings = false;

  std::optional<int64_t> bos_token_id, pad_token_id;
  std::vector<int64_t> eos_token_ids;
  std::string torch_dtype = "float32";

  nlohmann::json raw;  // config.json as read; save_pretrained writes it back updated

  // Parses config.json text; `source` names the file in errors.
  static ModelConfig from_json(const nlohmann::json& j, const std::string& source = "config.json");
  static ModelConfig from_file(const std::string& path);
  // config.json for saving: the raw object with vocab_size (and dtype) updated.
  nlohmann::json to_json() const;
};

}  // namespace ragforge::model
