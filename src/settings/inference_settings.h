// A RAG-FiT inference config (configs/inference.yaml, RAG-FiT's inference.py
// with its HFInference model): which model and adapter, how the prompt is
// built, HF generate() settings, and the data and output files. Torch-free,
// so `inference` rejects a bad config in milliseconds, before the run dir
// exists.
//
//   model:
//     _target_: ragfit.models.hf.HFInference     # or ragforge.models.HFInference
//     model_name_or_path: ./trained_models/checkpoint
//     lora_path:                                 # a PEFT adapter folder, optional
//     instruction: configs/prompts/qa.txt
//     generation: {do_sample: false, max_new_tokens: 50}
//   data_file: dev.jsonl
//   generated_file: dev-generated.jsonl
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "config/config_view.h"

namespace ragforge::settings {

inline constexpr const char* kInferenceModelTarget = "ragforge.models.HFInference";

// HF GenerationConfig names. As in HF, a key left unset (or null) takes the
// model folder's generation_config.json value, else HF's default
// (resolved by the inference job, which reads the folder).
struct GenerationSettings {
  std::optional<bool> do_sample;      // HF default false: greedy
  int64_t max_new_tokens = 50;
  // Prompt + new tokens, per row; as in HF, used only when max_new_tokens is null.
  std::optional<int64_t> max_length;
  std::optional<double> temperature;  // HF default 1.0
  std::optional<int64_t> top_k;       // HF default 50; 0: off
  std::optional<double> top_p;        // HF default 1.0
  bool return_full_text = false;      // must stay false: the output file holds new text only
};

struct InferenceSettings {
  // model:
  std::string model_name_or_path;  // an HF model folder (a base model, or a trained full model)
  std::string tokenizer;           // "" = model_name_or_path
  std::string chat_template;       // replaces the tokenizer's template when not ""
  std::string lora_path;           // PEFT adapter folder ("" none), e.g. <train.output_dir>/checkpoint
  std::string torch_dtype;         // "", "auto", "bfloat16", "float32"
  std::string instruction;         // text file: the system message
  std::string template_file;       // a training prompt file ({query}/{output}); "" = chat template
  bool instruction_in_prompt = false;  // `instruct_in_prompt` (RAG-FiT) or `instruction_in_prompt`
  GenerationSettings generation;
  // top level:
  std::string data_file;
  std::string generated_file;
  std::string input_key = "prompt";
  std::string generation_key = "output";  // RAG-FiT's in-memory column; not written
  std::string target_key = "answers";
  std::optional<int64_t> limit;
  int64_t batch_size = 1;  // ragforge: prompts generated together (left padding)
  int64_t seed = 42;       // sampling seed
  bool use_cache = true;   // ragforge: KV cache (false recomputes every step; for checks)
};

// Errors name the key and where its value came from.
InferenceSettings parse_inference_settings(const config::ConfigView& root);

}  // namespace ragforge::settings
