#include "hf/pretrained.h"

#include <iostream>

#include "core/error.h"
#include "data/family_defaults.h"
#include "io/safetensors.h"
#include "lora/peft.h"

namespace ragforge::hf {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// A randomly initialised model: init_config plus the tokenizer's vocabulary size.
model::CausalLM init_model(const nlohmann::ordered_json& init_config, const tokenizer::Tokenizer& tok,
                           torch::Dtype dtype, torch::Device device) {
  nlohmann::json j = nlohmann::json::parse(init_config.dump());
  if (!j.contains("vocab_size")) j["vocab_size"] = static_cast<int64_t>(tok.vocab_size());
  if (auto pad = tok.pad_token_id(); pad && !j.contains("pad_token_id")) j["pad_token_id"] = *pad;
  auto config = model::ModelConfig::from_json(j, "model.init_config");
  auto lm = model::CausalLM(config);
  // HF's _init_weights: N(0, initializer_range) for projections and
  // embeddings, ones for norms; LibTorch's defaults would start the loss far
  // above ln(vocab).
  const double std = j.value("initializer_range", 0.02);
  torch::NoGradGuard no_grad;
  for (auto& item : lm->named_parameters()) {
    const std::string& name = item.key();
    if (name.find("norm") != std::string::npos) item.value().fill_(1.0);
    else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0) item.value().zero_();
    else item.value().normal_(0.0, std);
  }
  lm->to(device, dtype);
  return lm;
}

void add_lora(PretrainedModel& m, const PretrainedSpec& s) {
  nlohmann::json peft = nlohmann::json::parse(s.lora->dump());
  if (!peft.contains("target_modules")) {
    peft["target_modules"] = data::default_lora_targets(m.model_type);
    std::cerr << s.lora_key << ".target_modules is empty: using the " << m.model_type << " default ["
              << join(peft["target_modules"].get<std::vector<std::string>>()) << "]\n";
  }
  auto config = lora::LoraConfig::from_json(peft, s.lora_key);
  config.base_model_name_or_path = s.model_dir;
  try {
    m.lora_modules = lora::add_adapter(*m.lm, "default", config);
  } catch (const Error& e) {
    throw Error(s.lora_key + ": " + e.what());  // e.g. target_modules that match nothing
  }
  lora::set_active_adapter(*m.lm, "default");
  lora::mark_only_adapter_trainable(*m.lm, "default");
  m.lora = true;
}

}  // namespace

void PretrainedModel::save_weights(const std::string& dir) const {
  if (lora) lora::save_adapter(*lm, dir, "default");
  else lm->save_pretrained(dir);
}

void PretrainedModel::load_weights(const std::string& dir) {
  torch::NoGradGuard no_grad;
  if (!lora) return lm->load_weights(dir);
  io::SafetensorsFile file(dir + "/adapter_model.safetensors");
  for (auto& [name, param] : lora::adapter_state_dict(*lm, "default", /*saved_names=*/true)) {
    if (!file.contains(name)) throw Error(file.path() + ": missing adapter tensor " + name);
    param.copy_(file.tensor(name, param.scalar_type()));
  }
}

void PretrainedModel::save_tokenizer(const std::string& dir) const { tokenizer.save(dir); }

PretrainedModel load_pretrained(const PretrainedSpec& s, torch::Dtype dtype, torch::Device device, uint64_t seed) {
  const std::string tokenizer_dir = s.tokenizer_dir.empty() ? s.model_dir : s.tokenizer_dir;
  PretrainedModel m(model::CausalLM(nullptr), tokenizer::Tokenizer::from_dir(tokenizer_dir));
  if (!s.chat_template.empty()) m.tokenizer.set_chat_template(s.chat_template);
  torch::manual_seed(seed);
  if (s.init_config.is_null()) {
    m.lm = model::CausalLM(model::CausalLMImpl::from_pretrained(s.model_dir, dtype, device));
  } else {
    m.lm = init_model(s.init_config, m.tokenizer, dtype, device);
  }
  m.model_type = m.lm->config().model_type;
  // HF: add the tokens, then resize the embeddings to exactly len(tokenizer)
  // (conventions.md §1.3; the matrix may shrink onto a checkpoint's spare rows).
  if (!s.special_tokens.empty()) {
    m.tokenizer.add_special_tokens(s.special_tokens);
    const auto vocab = static_cast<int64_t>(m.tokenizer.vocab_size());
    if (vocab != m.lm->config().vocab_size) m.lm->resize_token_embeddings(vocab);
  }
  if (!s.lora) {
    for (auto& p : m.lm->parameters()) p.set_requires_grad(true);
    return m;
  }
  add_lora(m, s);
  return m;
}

}  // namespace ragforge::hf
