#include "settings/inference_settings.h"

#include <set>

#include "core/error.h"
#include "settings/hf_hub_cache.h"

namespace ragforge::settings {
namespace {

std::string required_string(const config::ConfigView& v, const std::string& key, const std::string& example) {
  if (!v.has(key))
    throw Error(v.full_key(key) + ": not set; set it in the config or on the command line: " + v.full_key(key) +
                "=" + example);
  return v.get_string(key);
}

void reject_quantization(const config::ConfigView& model) {
  for (const char* key : {"load_in_8bit", "load_in_4bit"})
    if (model.has(key) && model.get_bool(key))
      throw Error(std::string("quantized base weights (") + model.full_key(key) + ") are not supported yet; set " +
                  model.full_key(key) + "=false to run with bf16 or fp32 weights" + model.origin_suffix(key));
}

GenerationSettings parse_generation(const config::ConfigView& g) {
  g.require_known_keys({"do_sample", "max_new_tokens", "max_length", "temperature", "top_k", "top_p",
                        "return_full_text", "num_beams", "repetition_penalty"});
  GenerationSettings s;
  if (g.has("do_sample")) s.do_sample = g.get_bool("do_sample");
  s.max_new_tokens = g.get_int("max_new_tokens", s.max_new_tokens);
  if (s.max_new_tokens <= 0)
    throw Error(g.full_key("max_new_tokens") + ": expected a positive token count" + g.origin_suffix("max_new_tokens"));
  if (g.has("max_length") && !g.has("max_new_tokens")) {
    s.max_length = g.get_int("max_length");
    if (*s.max_length <= 0)
      throw Error(g.full_key("max_length") + ": expected a positive token count" + g.origin_suffix("max_length"));
  }
  if (g.has("temperature")) {
    s.temperature = g.get_float("temperature");
    if (*s.temperature <= 0)
      throw Error(g.full_key("temperature") + ": must be positive" + g.origin_suffix("temperature"));
  }
  if (g.has("top_k")) {
    s.top_k = g.get_int("top_k");
    if (*s.top_k < 0) throw Error(g.full_key("top_k") + ": expected >= 0 (0: off)" + g.origin_suffix("top_k"));
  }
  if (g.has("top_p")) {
    s.top_p = g.get_float("top_p");
    if (!(*s.top_p > 0 && *s.top_p <= 1))
      throw Error(g.full_key("top_p") + ": expected a probability in (0, 1]" + g.origin_suffix("top_p"));
  }
  s.return_full_text = g.get_bool("return_full_text", false);
  if (s.return_full_text)
    throw Error(g.full_key("return_full_text") +
                ": ragforge writes the new text only (as RAG-FiT's configs do); set it to false" +
                g.origin_suffix("return_full_text"));
  if (g.has("num_beams") && g.get_int("num_beams") != 1)
    throw Error(g.full_key("num_beams") + ": beam search is not supported; use 1 (greedy or sampling)" +
                g.origin_suffix("num_beams"));
  if (g.has("repetition_penalty") && g.get_float("repetition_penalty") != 1.0)
    throw Error(g.full_key("repetition_penalty") + ": not supported; use 1.0" + g.origin_suffix("repetition_penalty"));
  return s;
}

}  // namespace

InferenceSettings parse_inference_settings(const config::ConfigView& root) {
  root.require_known_keys({"model", "data_file", "generated_file", "input_key", "generation_key", "target_key",
                           "limit", "batch_size", "seed", "use_cache", "hydra"});
  InferenceSettings s;
  if (!root.has("model"))
    throw Error("model: not set; the config needs a model: node (_target_: ragfit.models.hf.HFInference)");
  const config::ConfigView model = root.child("model");
  model.require_known_keys({"_target_", "model_name_or_path", "tokenizer", "chat_template", "lora_path",
                            "lora_path_2nd", "torch_dtype", "device_map", "trust_remote_code", "load_in_4bit",
                            "load_in_8bit", "instruction", "instruct_in_prompt", "instruction_in_prompt",
                            "template", "generation", "task", "attn_implementation"});
  const std::string target = model.get_string("_target_", kInferenceModelTarget);
  static const std::set<std::string> targets = {kInferenceModelTarget, "ragfit.models.hf.HFInference",
                                                "ragfoundry.models.hf.HFInference"};
  if (!targets.count(target))
    throw Error(model.full_key("_target_") + ": '" + target +
                "' is not an inference model ragforge runs; use ragfit.models.hf.HFInference (a local HF model)" +
                model.origin_suffix("_target_"));
  reject_quantization(model);
  if (model.has("lora_path_2nd"))
    throw Error(model.full_key("lora_path_2nd") +
                ": a second adapter on a merged first one is not supported; merge the first adapter into the model "
                "folder and set lora_path to the second" + model.origin_suffix("lora_path_2nd"));
  if (model.has("task") && model.get_string("task") != "text-generation")
    throw Error(model.full_key("task") + ": only text-generation is supported" + model.origin_suffix("task"));
  s.model_name_or_path = resolve_model_dir(required_string(model, "model_name_or_path", "path/to/hf-model"),
                                           model.full_key("model_name_or_path"));
  s.tokenizer = model.get_string("tokenizer", s.model_name_or_path);
  s.chat_template = model.get_string("chat_template", "");
  s.lora_path = model.get_string("lora_path", "");
  s.torch_dtype = model.get_string("torch_dtype", "");
  if (!s.torch_dtype.empty() && s.torch_dtype != "auto" && s.torch_dtype != "bfloat16" && s.torch_dtype != "float32")
    throw Error(model.full_key("torch_dtype") + ": expected null, auto, bfloat16 or float32, got '" + s.torch_dtype +
                "'" + model.origin_suffix("torch_dtype"));
  s.instruction = model.get_string("instruction", "");
  s.template_file = model.get_string("template", "");
  s.instruction_in_prompt =
      model.get_bool("instruct_in_prompt", false) || model.get_bool("instruction_in_prompt", false);
  if (model.has("generation")) s.generation = parse_generation(model.child("generation"));

  s.data_file = required_string(root, "data_file", "path/to/processed-dev.jsonl");
  s.generated_file = required_string(root, "generated_file", "dev-generated.jsonl");
  s.input_key = root.get_string("input_key", s.input_key);
  s.generation_key = root.get_string("generation_key", s.generation_key);
  s.target_key = root.get_string("target_key", s.target_key);
  if (root.has("limit")) {
    s.limit = root.get_int("limit");
    if (*s.limit <= 0)
      throw Error(root.full_key("limit") + ": expected a positive number of rows or null" + root.origin_suffix("limit"));
  }
  s.batch_size = root.get_int("batch_size", s.batch_size);
  if (s.batch_size <= 0)
    throw Error(root.full_key("batch_size") + ": expected a positive number of prompts" + root.origin_suffix("batch_size"));
  s.seed = root.get_int("seed", s.seed);
  s.use_cache = root.get_bool("use_cache", s.use_cache);
  return s;
}

}  // namespace ragforge::settings
