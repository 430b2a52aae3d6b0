// PEFT-compatible LoRA on a CausalLM: LoraConfig (adapter_config.json),
// adding, switching, copying, merging adapters, and the PEFT adapter folder
// (conventions.md §2):
//
//   auto cfg = lora::load_adapter(*lm, "runs/x/adapter");          // as "default", active
//   lora::add_adapter(*lm, "decoder", cfg);  lora::set_active_adapter(*lm, "decoder");
//   lora::mark_only_adapter_trainable(*lm, "decoder");
//   lora::save_adapter(*lm, "out/adapter", "decoder");
//
// Tensor names: in memory "<module>.lora_A.<adapter>.weight" (PEFT adds the
// "base_model.model." prefix); saved "base_model.model.<module>.lora_A.weight".
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/causal_lm.h"

namespace ragforge::lora {

struct LoraConfig {
  int64_t r = 8;
  double lora_alpha = 8;
  double lora_dropout = 0.0;
  bool use_rslora = false;
  // Targets: a list (a module whose path equals an entry or ends with ".<entry>"),
  // or a regex fully matching the path, or "all-linear" (every projection but lm_head).
  std::vector<std::string> target_modules;
  std::string target_regex;
  bool all_linear = false;
  std::map<std::string, int64_t> rank_pattern;   // key matches "(.*\.)?key$"
  std::map<std::string, double> alpha_pattern;
  std::vector<int64_t> layers_to_transform;      // empty: every layer
  // Linear layers (e.g. lm_head) that get a full trainable copy per adapter,
  // saved as "base_model.model.<path>.weight". Embeddings are not supported.
  std::vector<std::string> modules_to_save;
  std::string base_model_name_or_path;

  static LoraConfig from_json(const nlohmann::json& j, const std::string& source = "adapter_config.json");
  static LoraConfig from_file(const std::string& path);
  // Every key PEFT writes; `resolved_targets` replaces "all-linear" and regexes.
  nlohmann::json to_json(const std::vector<std::string>& resolved_targets = {}) const;

  bool targets(const std::string& module_path) const;
  int64_t rank_for(const std::string& module_path) const;
  double alpha_for(const std::string& module_path) const;
};

// Adds adapter `name` to every targeted projection; returns their module paths.
// init_weights: PEFT's init (B = 0, so the model is unchanged); false: zeros.
std::vector<std::string> add_adapter(model::CausalLMImpl& lm, const std::string& name, const LoraConfig& config,
                                     bool init_weights = true);
void delete_adapter(model::CausalLMImpl& lm, const std::string& name);
void copy_adapter(model::CausalLMImpl& lm, const std::string& from, const std::string& to);
// "" runs the base model alone.
void set_active_adapter(model::CausalLMImpl& lm, const std::string& name);
std::vector<std::string> adapter_names(const model::CausalLMImpl& lm);
// W += s·B·A in every layer holding `name`, then drops it (merge_and_unload).
void merge_adapter(model::CausalLMImpl& lm, const std::string& name);

// Freezes everything except adapter `name`'s lora_A/lora_B; returns the number
// of trainable elements.
int64_t mark_only_adapter_trainable(model::CausalLMImpl& lm, const std::string& name);

// Adapter weights by name: PEFT's saved names ("base_model.model.<m>.lora_A.weight")
// or in-memory names ("base_model.model.<m>.lora_A.<name>.weight").
std::map<std::string, torch::Tensor> adapter_state_dict(const model::CausalLMImpl& lm, const std::string& name,
                                                        bool saved_names = true);
// The LoraConfig that describes adapter `name` as it is on the model.
LoraConfig adapter_config(const model::CausalLMImpl& lm, const std::string& name);

// Reads adapter_config.json + adapter_model.safetensors from `dir` into
// adapter `name` and activates it. Missing, extra or mis-shaped tensors are errors.
LoraConfig load_adapter(model::CausalLMImpl& lm, const std::string& dir, const std::string& name = "default");
// Writes adapter `name` as a PEFT folder (float32 weights).
void save_adapter(const model::CausalLMImpl& lm, const std::string& dir, const std::string& name = "default");
// Every adapter: "default" at `dir`, each other one in `dir/<name>/` (PEFT layout).
void save_all_adapters(const model::CausalLMImpl& lm, const std::string& dir);

// New-token embedding rows trained next to an adapter go in a sidecar,
// `added_tokens_embeddings.safetensors` (token_ids int64 [n], rows [n, d]),
// which other tools ignore. load_token_rows writes the rows into the (already
// resized) embedding matrix and returns their ids; no file: nothing, {}.
void save_token_rows(const model::CausalLMImpl& lm, const std::string& dir, const std::vector<int64_t>& token_ids);
std::vector<int64_t> load_token_rows(model::CausalLMImpl& lm, const std::string& dir);

}  // namespace ragforge::lora
