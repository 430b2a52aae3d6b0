#include "settings/model_settings.h"

#include <set>
#include <vector>

#include "config/instantiate.h"
#include "config/node_json.h"
#include "core/error.h"
#include "settings/hf_hub_cache.h"

namespace ragforge::settings {
namespace {

// Keys whose true (or non-"no") value asks for quantized base weights (recipes.md §0).
bool asks_for_quantization(const config::Node& v) {
  if (v.is_null()) return false;
  if (v.is_bool()) return v.as_bool();
  if (v.is_string()) return v.as_string() != "no" && !v.as_string().empty();
  return true;  // a dict such as quantization_config, or a number
}

void reject_quantization(const config::ConfigView& model) {
  const config::Node& all = model.root();
  for (const auto& e : all.entries()) {
    const std::string& k = e.key.text;
    bool quant_key = k == "load_in_8bit" || k == "load_in_4bit" || k == "use_4bit" || k == "quantization_config" ||
                     k == "quantization" || k.rfind("bnb_4bit_", 0) == 0;
    if (quant_key && asks_for_quantization(e.value))
      throw Error("quantized base weights (" + model.full_key(k) + ") are not supported yet; set " +
                  model.full_key(k) + "=false to train with bf16 base weights" + model.origin_suffix(k));
  }
}

// PEFT LoraConfig fields ragforge reads or accepts (the rest are PEFT bookkeeping).
const std::set<std::string>& lora_keys() {
  static const std::set<std::string> keys = {
      "r", "lora_alpha", "lora_dropout", "target_modules", "use_rslora", "bias", "fan_in_fan_out",
      "peft_type", "task_type", "modules_to_save", "layers_to_transform", "layers_pattern", "rank_pattern",
      "alpha_pattern", "init_lora_weights", "use_dora", "lora_bias", "exclude_modules", "inference_mode",
      "base_model_name_or_path", "revision"};
  return keys;
}

nlohmann::ordered_json parse_lora(const config::ConfigView& lora) {
  lora.require_known_keys(lora_keys());
  if (lora.has("r") && lora.get_int("r") <= 0)
    throw Error(lora.full_key("r") + ": must be a positive rank, got " + std::to_string(lora.get_int("r")) +
                lora.origin_suffix("r"));
  if (lora.has("lora_dropout")) {
    double p = lora.get_float("lora_dropout");
    if (p < 0 || p >= 1) throw Error(lora.full_key("lora_dropout") + ": must be in [0, 1)" + lora.origin_suffix("lora_dropout"));
  }
  if (lora.has("bias") && lora.get_string("bias") != "none")
    throw Error(lora.full_key("bias") + ": only 'none' is supported, got '" + lora.get_string("bias") + "'" +
                lora.origin_suffix("bias"));
  if (lora.has("fan_in_fan_out") && lora.get_bool("fan_in_fan_out"))
    throw Error(lora.full_key("fan_in_fan_out") + ": must be false for these models" + lora.origin_suffix("fan_in_fan_out"));
  if (lora.has("use_dora") && lora.get_bool("use_dora"))
    throw Error(lora.full_key("use_dora") + ": DoRA is not supported; set it to false" + lora.origin_suffix("use_dora"));
  if (lora.has("peft_type") && lora.get_string("peft_type") != "LORA")
    throw Error(lora.full_key("peft_type") + ": only LORA is supported" + lora.origin_suffix("peft_type"));
  // Null keys mean "PEFT's default" and are left out.
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& e : lora.root().entries())
    if (!e.value.is_null()) out[e.key.text] = config::to_json(e.value);
  if (out.contains("target_modules") && out["target_modules"].is_array() && out["target_modules"].empty())
    out.erase("target_modules");  // empty: the model family's default (RAG-FiT issue #3)
  return out;
}

}  // namespace

void read_model_source(const config::ConfigView& model, ModelSettings& s) {
  s.model_name_or_path = model.get_string("model_name_or_path", "");
  if (model.has("init_config")) {
    model.child("init_config");  // must be a dict
    s.init_config = config::to_json(model.node("init_config"));
  }
  if (s.model_name_or_path.empty() == s.init_config.is_null())
    throw Error(model.full_key("model_name_or_path") +
                ": set exactly one of model_name_or_path (an HF model folder) and init_config (a config.json "
                "for a randomly initialised model)" + model.origin_suffix("model_name_or_path"));
  if (!s.model_name_or_path.empty())
    s.model_name_or_path = resolve_model_dir(s.model_name_or_path, model.full_key("model_name_or_path"));
  s.tokenizer = model.get_string("tokenizer", s.model_name_or_path);
  if (s.tokenizer.empty())
    throw Error(model.full_key("tokenizer") + ": a randomly initialised model needs a tokenizer folder");
  s.chat_template = model.get_string("chat_template", "");
  s.torch_dtype = model.get_string("torch_dtype", "");
  if (!s.torch_dtype.empty() && s.torch_dtype != "auto" && s.torch_dtype != "bfloat16" && s.torch_dtype != "float32")
    throw Error(model.full_key("torch_dtype") + ": expected null, auto, bfloat16 or float32, got '" + s.torch_dtype +
                "'" + model.origin_suffix("torch_dtype"));
}

ModelSettings parse_model_settings(const config::ConfigView& model) {
  std::set<std::string> known = {"_target_", "model_name_or_path", "init_config", "tokenizer", "chat_template",
                                 "load_in_8bit", "load_in_4bit", "use_4bit", "quantization_config", "quantization",
                                 "lora", "completion_start", "instruction_in_prompt", "max_sequence_len",
                                 "trust_remote_code", "device_map", "torch_dtype"};
  for (const auto& e : model.root().entries())
    if (e.key.text.rfind("bnb_4bit_", 0) == 0) known.insert(e.key.text);
  model.require_known_keys(known);
  reject_quantization(model);

  ModelSettings s;
  read_model_source(model, s);
  if (model.has("lora")) s.lora = parse_lora(model.child("lora"));
  return s;
}

void register_model_targets() {
  if (config::has_target(kModelTarget)) return;
  config::register_target(
      kModelTarget, [](const config::TargetCall& call) -> std::any { return parse_model_settings(call.config()); },
      {"ragfit.models.hf.HFTrain", "ragfoundry.models.hf.HFTrain"});
}

}  // namespace ragforge::settings
