// An HF decoder-only causal LM (LlamaForCausalLM, MistralForCausalLM,
// Qwen2ForCausalLM, Qwen3ForCausalLM, Phi3ForCausalLM) that loads and saves HF
// model folders and computes what transformers computes.
//
//   auto lm = model::CausalLM::from_pretrained("models/qwen3", torch::kBFloat16);
//   auto out = lm->forward(input_ids, {.attention_mask = mask});   // out.logits [B, T, V]
//
// Module tree (HF names): model.embed_tokens, model.layers.<i>.{input_layernorm,
// self_attn.{q,k,v,o}_proj|qkv_proj, mlp.{gate,up,down}_proj|gate_up_proj,
// post_attention_layernorm}, model.norm, lm_head (absent when tied).
//
// Shapes: B batch, T tokens, d hidden, V vocab, L layers.
#pragma once
#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/attention.h"
#include "model/blockrank_attention.h"
#include "model/config.h"
#include "model/layers.h"
#include "model/rope.h"

namespace ragforge::model {

// HF name of a parameter ("...q_proj.base_layer.weight" -> "...q_proj.weight").
std::string hf_parameter_name(const std::string& name);
// PEFT's in-memory name ("base_model.model." + name).
std::string peft_parameter_name(const std::string& name);
// Adapter weights (lora_A/lora_B and modules_to_save copies), not part of the HF model.
bool is_lora_parameter(const std::string& name);

struct ForwardOptions {
  torch::Tensor attention_mask;  // [B, T], 1 = real token; undefined: all real
  torch::Tensor position_ids;    // [B, T]; undefined: 0..T-1 for every row (HF forward)
  // Custom visibility (e.g. AttentionSpec::blockrank); replaces the causal mask
  // built from attention_mask and the model's sliding window.
  std::optional<AttentionSpec> attention;
  AttentionBackend backend = AttentionBackend::kFast;
  // BlockRank attention (model/blockrank_attention.h) over input [B, M·H];
  // position_ids come from the caller, attention_mask is not used.
  std::optional<BlockRankLayout> blockrank;
  int64_t readout_layer = -1;       // >= 0 (0-based, BlockRank): that layer's attention fills readout_scores
  int64_t readout_rows = 16;        // R: the last R query rows of the last block
  bool stop_after_readout = false;  // inference: stop at the readout (no later layers, norm or logits)
  std::vector<int64_t> hidden_state_layers;  // HF numbering: 0 embeddings, i output of layer i-1, L after the final norm
  bool all_hidden_states = false;            // every index 0..L
  int64_t exit_after_layer = -1;             // >= 0: stop after this many layers (no norm, no logits)
  bool compute_logits = true;
  bool gradient_checkpointing = false;       // recompute each layer in backward (training mode, grad on, no cache)
  std::vector<LayerCache>* cache = nullptr;  // per-layer KV cache (decoding), extended in place
  int64_t query_offset = 0;                  // token index of the first input token (decoding)
};

struct ForwardOutput {
  torch::Tensor logits;             // [B, T, V] (model dtype)
  torch::Tensor last_hidden_state;  // [B, T, d]: after the final norm, or raw at an early exit
  std::map<int64_t, torch::Tensor> hidden_states;
  torch::Tensor readout_scores;  // [B, heads, R, M·H]: q·k/√d + mask at readout_layer (differentiable)
};

class DecoderModelImpl : public torch::nn::Module {
 public:
  explicit DecoderModelImpl(const ModelConfig& config);
  torch::Tensor embed(const torch::Tensor& input_ids);  // [B, T] -> [B, T, d]

  torch::nn::Embedding embed_tokens{nullptr};  // weight [V, d]
  torch::nn::ModuleList layers;
  RMSNorm norm{nullptr};
  std::optional<int64_t> padding_idx;  // pad_token_id: its row gets no gradient
};
TORCH_MODULE(DecoderModel);

class CausalLMImpl : public torch::nn::Module {
 public:
  explicit CausalLMImpl(ModelConfig config);

  // Loads config.json and the safetensors weights of an HF folder (sharded or
  // not). Every tensor the model needs must be there with its exact shape, and
  // every tensor there must be used: otherwise an Error names it.
  static std::shared_ptr<CausalLMImpl> from_pretrained(const std::string& dir,
                                                       torch::Dtype dtype = torch::kFloat32,
                                                       torch::Device device = torch::kCPU);
  void load_weights(const std::string& dir);

  // HF folder: config.json (vocab_size, dtype updated), generation_config.json,
  // weights sharded at max_shard_bytes, and the tokenizer files of the folder
  // the model was loaded from. Adapters are not included (see lora::save_adapter).
  void save_pretrained(const std::string& dir, uint64_t max_shard_bytes = 5000000000ULL) const;

  ForwardOutput forward(const torch::Tensor& input_ids, const ForwardOptions& options = {});
  // Same, from embeddings [B, T, d] (e.g. with spliced-in memory vectors).
  ForwardOutput forward_embeds(const torch::Tensor& inputs_embeds, const ForwardOptions& options = {});

  // The output head [V, d] (the embedding matrix when tied) and logits from hidden states.
  torch::Tensor head_weight() const;
  torch::Tensor logits(const torch::Tensor& hidden);  // [B, T, d] -> [B, T, V]

  // HF names -> parameters (lm_head.weight absent when tied; no LoRA weights).
  std::map<std::string, torch::Tensor> hf_state_dict() const;

  // Every projection by its module path ("model.layers.0.self_attn.q_proj", "lm_head").
  std::map<std::string, lora::LoRALinear> linear_layers() const;

  // Resizes the embedding matrix (and an untied lm_head) to new_vocab rows;
  // rows kept in common, new rows set to the mean of the old rows (HF).
  void resize_token_embeddings(int64_t new_vocab);
  // Limits training of the embedding matrix (and an untied lm_head when
  // include_head) to `rows`: their gradients pass, every other row's is zeroed.
  void train_only_token_rows(const std::vector<int64_t>& rows, bool include_head = false);

  const ModelConfig& config() const { return config_; }
  torch::Dtype dtype() const;
  torch::Device device() const;
  const std::string& source_dir() const { return source_dir_; }

  DecoderModel model{nullptr};
  lora::LoRALinear lm_head{nullptr};  // untied models only

 private:
  ForwardOutput run(torch::Tensor h, const ForwardOptions& options);
  ModelConfig config_;
  RotaryEmbedding rope_;
  std::string source_dir_;
  std::vector<std::pair<torch::Tensor, unsigned>> row_hooks_;  // (parameter, hook id)
};
TORCH_MODULE(CausalLM);

// position_ids = cumsum(mask) - 1 with pads set to 1 (HF generate()); [B, T] int64.
torch::Tensor positions_from_mask(const torch::Tensor& attention_mask);

}  // namespace ragforge::model
