#include "model/causal_lm.h"

#include <filesystem>
#include <set>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/checkpoint.h"

namespace ragforge::model {
namespace fs = std::filesystem;
namespace {

// The LoRA adapter each projection of a layer had active in the forward. A
// checkpoint's recompute runs under these, whichever adapter is active when
// backward runs: CLaRa runs its encoder, then its decoder, then one backward.
class ForwardAdapters {
 public:
  explicit ForwardAdapters(DecoderLayerImpl& layer) {
    for (const auto& m : layer.modules(false))
      if (auto* l = dynamic_cast<lora::LoRALinearImpl*>(m.get())) layers_.push_back({l, l->active_adapter()});
  }

  template <typename Fn>
  auto run(Fn&& fn) const {
    struct Restore {
      std::vector<std::pair<lora::LoRALinearImpl*, std::string>> was;
      ~Restore() {
        for (auto& [l, name] : was) l->set_active_adapter(name);
      }
    } restore;
    for (const auto& [l, name] : layers_) {
      restore.was.push_back({l, l->active_adapter()});
      l->set_active_adapter(name);
    }
    return fn();
  }

 private:
  std::vector<std::pair<lora::LoRALinearImpl*, std::string>> layers_;
};

}  // namespace

// ---- names ------------------------------------------------------------------------

std::string hf_parameter_name(const std::string& name) {
  static const std::string seg = ".base_layer.";
  std::string out = name;
  for (size_t p; (p = out.find(seg)) != std::string::npos;) out.replace(p, seg.size(), ".");
  return out;
}

std::string peft_parameter_name(const std::string& name) { return "base_model.model." + name; }

bool is_lora_parameter(const std::string& name) {
  return name.find(".lora_A.") != std::string::npos || name.find(".lora_B.") != std::string::npos ||
         name.find(".modules_to_save.") != std::string::npos;
}

torch::Tensor positions_from_mask(const torch::Tensor& attention_mask) {
  auto m = attention_mask.to(torch::kInt64);
  auto pos = m.cumsum(1) - 1;
  return pos.masked_fill(m.eq(0), 1);
}

// ---- modules ----------------------------------------------------------------------

DecoderModelImpl::DecoderModelImpl(const ModelConfig& c) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(DecoderLayer(c));
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  if (c.pad_token_id && *c.pad_token_id >= 0 && *c.pad_token_id < c.vocab_size) padding_idx = *c.pad_token_id;
}

torch::Tensor DecoderModelImpl::embed(const torch::Tensor& input_ids) {
  return torch::embedding(embed_tokens->weight, input_ids, padding_idx ? *padding_idx : -1);
}

CausalLMImpl::CausalLMImpl(ModelConfig config) : config_(std::move(config)), rope_(config_) {
  model = register_module("model", DecoderModel(config_));
  if (!config_.tie_word_embeddings)
    lm_head = register_module("lm_head", lora::LoRALinear(config_.hidden_size, config_.vocab_size, false));
}

torch::Dtype CausalLMImpl::dtype() const { return model->embed_tokens->weight.scalar_type(); }
torch::Device CausalLMImpl::device() const { return model->embed_tokens->weight.device(); }

torch::Tensor CausalLMImpl::head_weight() const {
  return lm_head ? lm_head->base->weight : model->embed_tokens->weight;
}

torch::Tensor CausalLMImpl::logits(const torch::Tensor& hidden) {
  if (lm_head) return lm_head->forward(hidden);
  return torch::matmul(hidden, model->embed_tokens->weight.t());
}

std::map<std::string, torch::Tensor> CausalLMImpl::hf_state_dict() const {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : named_parameters(true)) {
    if (is_lora_parameter(item.key())) continue;
    out[hf_parameter_name(item.key())] = item.value();
  }
  return out;
}

std::map<std::string, lora::LoRALinear> CausalLMImpl::linear_layers() const {
  std::map<std::string, lora::LoRALinear> out;
  for (const auto& item : named_modules("", false)) {
    if (auto l = std::dynamic_pointer_cast<lora::LoRALinearImpl>(item.value())) out.emplace(item.key(), lora::LoRALinear(l));
  }
  return out;
}

// ---- forward ----------------------------------------------------------------------

ForwardOutput CausalLMImpl::forward(const torch::Tensor& input_ids, const ForwardOptions& options) {
  if (input_ids.dim() != 2) throw Error("input_ids must be [B, T]");
  return run(model->embed(input_ids.to(device())), options);
}

ForwardOutput CausalLMImpl::forward_embeds(const torch::Tensor& inputs_embeds, const ForwardOptions& options) {
  if (inputs_embeds.dim() != 3 || inputs_embeds.size(2) != config_.hidden_size)
    throw Error("inputs_embeds must be [B, T, hidden_size]");
  return run(inputs_embeds, options);
}

namespace {

// The layout on the model's device, checked against the input and options.
std::shared_ptr<const BlockRankLayout> blockrank_layout(const ForwardOptions& o, int64_t B, int64_t T, int64_t L,
                                                        const torch::Device& dev) {
  if (!o.blockrank) {
    if (o.readout_layer >= 0 || o.stop_after_readout)
      throw Error("readout_layer and stop_after_readout need BlockRank attention (ForwardOptions::blockrank)");
    return nullptr;
  }
  const BlockRankLayout& in = *o.blockrank;
  if (o.attention) throw Error("ForwardOptions: set either attention or blockrank, not both");
  if (o.query_offset != 0) throw Error("BlockRank attention runs on the whole prompt (query_offset must be 0)");
  if (in.num_blocks * in.block_len != T)
    throw Error("BlockRank input has " + std::to_string(T) + " tokens but the layout says " +
                std::to_string(in.num_blocks) + " blocks of " + std::to_string(in.block_len));
  if (!in.key_mask.defined() || in.key_mask.sizes() != torch::IntArrayRef({B, in.num_blocks, in.block_len}))
    throw Error("BlockRank key_mask must be [B, M, H] = [" + std::to_string(B) + ", " + std::to_string(in.num_blocks) +
                ", " + std::to_string(in.block_len) + "]");
  if (o.readout_layer >= L)
    throw Error("readout_layer " + std::to_string(o.readout_layer) + " is out of range 0.." + std::to_string(L - 1) +
                " (num_hidden_layers " + std::to_string(L) + ")");
  if (o.stop_after_readout && o.readout_layer < 0) throw Error("stop_after_readout needs readout_layer >= 0");
  if (o.readout_layer >= 0 && o.readout_rows <= 0) throw Error("readout_rows must be positive");
  auto layout = std::make_shared<BlockRankLayout>(in);
  layout->key_mask = in.key_mask.to(dev).to(torch::kBool);
  return layout;
}

}  // namespace

ForwardOutput CausalLMImpl::run(torch::Tensor h, const ForwardOptions& o) {
  const int64_t B = h.size(0), T = h.size(1), L = config_.num_hidden_layers;
  const auto dev = h.device();
  torch::Tensor pos = o.position_ids.defined()
                          ? o.position_ids.to(dev).to(torch::kInt64)
                          : (torch::arange(T, torch::TensorOptions().dtype(torch::kInt64).device(dev)) + o.query_offset)
                                .unsqueeze(0)
                                .expand({B, T});
  if (pos.sizes() != torch::IntArrayRef({B, T})) throw Error("position_ids must be [B, T]");
  auto blockrank = blockrank_layout(o, B, T, L, dev);
  AttentionSpec spec;
  if (o.attention) {
    spec = *o.attention;
  } else if (!blockrank) {
    torch::Tensor mask = o.attention_mask.defined() ? o.attention_mask.to(dev) : torch::Tensor();
    if (mask.defined() && (mask.dim() != 2 || mask.size(0) != B || mask.size(1) != T + o.query_offset))
      throw Error("attention_mask must be [B, T] (past + new tokens when decoding)");
    spec = AttentionSpec::causal_lm(mask, config_.sliding_window);
  }
  spec.query_offset = o.query_offset;
  auto shared_spec = std::make_shared<const AttentionSpec>(std::move(spec));
  auto [cos, sin] = rope_.forward(pos, h.scalar_type());

  std::set<int64_t> wanted(o.hidden_state_layers.begin(), o.hidden_state_layers.end());
  if (o.all_hidden_states)
    for (int64_t i = 0; i <= L; ++i) wanted.insert(i);
  for (int64_t i : wanted)
    if (i < 0 || i > L) throw Error("hidden state " + std::to_string(i) + " is out of range 0.." + std::to_string(L));
  if (o.cache && static_cast<int64_t>(o.cache->size()) != L) o.cache->resize(L);

  ForwardOutput out;
  if (wanted.count(0)) out.hidden_states[0] = h;
  const int64_t depth = o.exit_after_layer >= 0 ? std::min(o.exit_after_layer, L) : L;
  if (o.readout_layer >= depth)
    throw Error("readout_layer " + std::to_string(o.readout_layer) + " is not run: exit_after_layer is " +
                std::to_string(o.exit_after_layer));
  const bool checkpointing = o.gradient_checkpointing && !o.cache && is_training() && torch::GradMode::is_enabled();
  for (int64_t i = 0; i < depth; ++i) {
    auto layer = model->layers->ptr<DecoderLayerImpl>(i);
    LayerInputs in{cos, sin, shared_spec, o.backend, o.cache ? &(*o.cache)[i] : nullptr, blockrank, o.readout_rows};
    if (i == o.readout_layer && o.stop_after_readout) {  // the attention readout: scores, then stop
      out.readout_scores = layer->readout_scores(h, in);
      out.last_hidden_state = h;
      return out;
    }
    const bool readout = i == o.readout_layer;
    // The last layer run is not checkpointed: backward would recompute it at
    // once, so keeping its activations costs no extra peak memory.
    const bool recompute = checkpointing && i + 1 < depth;
    if (recompute) {
      std::vector<torch::Tensor> params = layer->parameters(true);
      if (readout) {  // the readout is a second output, so checkpointing recomputes it too
        auto outs = checkpoint_outputs(
            [layer, in, adapters = ForwardAdapters(*layer)](const torch::Tensor& x) {
              return adapters.run([&] {
                torch::Tensor scores;
                auto y = layer->forward(x, in, &scores, !replaying_checkpoint());
                return std::vector<torch::Tensor>{y, scores};
              });
            },
            h, params);
        h = outs[0];
        out.readout_scores = outs[1];
      } else {
        h = checkpoint(
            [layer, in, adapters = ForwardAdapters(*layer)](const torch::Tensor& x) {
              return adapters.run([&] { return layer->forward(x, in, nullptr, !replaying_checkpoint()); });
            },
            h, params);
      }
    } else {
      h = layer->forward(h, in, readout ? &out.readout_scores : nullptr);
    }
    if (i + 1 < L && wanted.count(i + 1)) out.hidden_states[i + 1] = h;
  }
  if (depth < L) {  // early exit: the raw output of the last layer run
    if (wanted.count(depth)) out.hidden_states[depth] = h;
    out.last_hidden_state = h;
    return out;
  }
  h = model->norm->forward(h, o.backend == AttentionBackend::kFast);
  if (wanted.count(L)) out.hidden_states[L] = h;
  out.last_hidden_state = h;
  if (o.compute_logits) out.logits = logits(h);
  return out;
}

// ---- loading and saving ------------------------------------------------------------

std::shared_ptr<CausalLMImpl> CausalLMImpl::from_pretrained(const std::string& dir, torch::Dtype dtype,
                                                            torch::Device device) {
  auto config = ModelConfig::from_file((fs::path(dir) / "config.json").string());
  auto lm = std::make_shared<CausalLMImpl>(config);
  lm->to(device, dtype);
  lm->load_weights(dir);
  lm->config_.torch_dtype = dtype == torch::kBFloat16 ? "bfloat16" : dtype == torch::kFloat16 ? "float16" : "float32";
  lm->source_dir_ = dir;
  lm->eval();
  return lm;
}

void CausalLMImpl::load_weights(const std::string& dir) {
  auto weights = io::WeightSet::open_dir(dir);
  auto params = hf_state_dict();
  std::set<std::string> used;
  torch::NoGradGuard no_grad;
  for (auto& [name, p] : params) {
    if (!weights.contains(name))
      throw Error("model folder " + dir + " lacks tensor '" + name + "' (" + config_.model_type + ", " +
                  std::to_string(config_.num_hidden_layers) + " layers" +
                  (config_.tie_word_embeddings ? ", tied embeddings" : "") + ")");
    const auto& info = weights.info(name);
    if (torch::IntArrayRef(info.shape) != p.sizes())
      throw Error("tensor '" + name + "' in " + weights.file_of(name) + " has shape " +
                  c10::str(torch::IntArrayRef(info.shape)) + " but the model (config.json) needs " +
                  c10::str(p.sizes()));
    p.copy_(weights.tensor(name).to(p.device()));
    used.insert(name);
  }
  for (const auto& name : weights.names()) {
    if (used.count(name)) continue;
    if (name.size() > 20 && name.compare(name.size() - 20, 20, ".rotary_emb.inv_freq") == 0) continue;  // old exports
    if (config_.tie_word_embeddings && name == "lm_head.weight") continue;  // HF ties and ignores it
    throw Error("model folder " + dir + " has tensor '" + name + "' (in " + weights.file_of(name) +
                ") that a " + config_.model_type + " model with this config.json does not use");
  }
}

void CausalLMImpl::save_pretrained(const std::string& dir, uint64_t max_shard_bytes) const {
  fs::create_directories(dir);
  ModelConfig c = config_;
  c.vocab_size = model->embed_tokens->weight.size(0);
  auto d = dtype();
  c.torch_dtype = d == torch::kBFloat16 ? "bfloat16" : d == torch::kFloat16 ? "float16" : "float32";
  io::save_sharded(dir, hf_state_dict(), max_shard_bytes);
  io::write_file_atomic((fs::path(dir) / "config.json").string(), c.to_json().dump(2) + "\n");
  // Tokenizer and generation files come along from the source folder.
  bool have_generation_config = false;
  if (!source_dir_.empty() && fs::absolute(source_dir_) != fs::absolute(dir)) {
    for (const char* f : {"generation_config.json", "tokenizer.json", "tokenizer_config.json",
                          "special_tokens_map.json", "chat_template.jinja", "tokenizer.model"}) {
      fs::path src = fs::path(source_dir_) / f;
      if (fs::exists(src)) {
        fs::copy_file(src, fs::path(dir) / f, fs::copy_options::overwrite_existing);
        if (std::string(f) == "generation_config.json") have_generation_config = true;
      }
    }
  }
  if (!have_generation_config && !fs::exists(fs::path(dir) / "generation_config.json")) {
    nlohmann::json g = {{"_from_model_config", true}};
    if (c.bos_token_id) g["bos_token_id"] = *c.bos_token_id;
    if (c.eos_token_ids.size() == 1) g["eos_token_id"] = c.eos_token_ids[0];
    if (c.eos_token_ids.size() > 1) g["eos_token_id"] = c.eos_token_ids;
    if (c.pad_token_id) g["pad_token_id"] = *c.pad_token_id;
    io::write_file_atomic((fs::path(dir) / "generation_config.json").string(), g.dump(2) + "\n");
  }
}

// ---- vocabulary -----------------------------------------------------------------------

namespace {
torch::Tensor resized_rows(const torch::Tensor& w, int64_t n) {  // [V, d] -> [n, d]
  const int64_t V = w.size(0), keep = std::min(V, n);
  auto out = torch::empty({n, w.size(1)}, w.options());
  out.narrow(0, 0, keep).copy_(w.narrow(0, 0, keep));
  if (n > V) out.narrow(0, V, n - V).copy_(w.to(torch::kFloat32).mean(0, true).to(w.scalar_type()).expand({n - V, w.size(1)}));
  return out;
}
}  // namespace

void CausalLMImpl::resize_token_embeddings(int64_t new_vocab) {
  if (new_vocab <= 0) throw Error("resize_token_embeddings: the vocabulary size must be positive");
  torch::NoGradGuard no_grad;
  auto& emb = model->embed_tokens->weight;
  emb.set_data(resized_rows(emb, new_vocab));
  model->embed_tokens->options.num_embeddings(new_vocab);
  if (lm_head) {
    auto& w = lm_head->base->weight;
    w.set_data(resized_rows(w, new_vocab));
  }
  config_.vocab_size = new_vocab;
  if (model->padding_idx && *model->padding_idx >= new_vocab) model->padding_idx.reset();
}

void CausalLMImpl::train_only_token_rows(const std::vector<int64_t>& rows, bool include_head) {
  for (auto& [t, id] : row_hooks_) t.remove_hook(id);
  row_hooks_.clear();
  std::vector<torch::Tensor> targets{model->embed_tokens->weight};
  if (include_head && lm_head) targets.push_back(lm_head->base->weight);
  for (auto& w : targets) {
    auto keep = torch::zeros({w.size(0), 1}, torch::TensorOptions().dtype(torch::kBool).device(w.device()));
    for (int64_t r : rows) {
      if (r < 0 || r >= w.size(0))
        throw Error("train_only_token_rows: row " + std::to_string(r) + " is outside the " +
                    std::to_string(w.size(0)) + "-row embedding");
      keep[r] = true;
    }
    w.set_requires_grad(true);
    unsigned id = w.register_hook([keep](torch::Tensor g) { return g.masked_fill(keep.logical_not(), 0); });
    row_hooks_.emplace_back(w, id);
  }
}

}  // namespace ragforge::model
