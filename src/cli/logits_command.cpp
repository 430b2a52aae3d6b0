// `ragforge logits`: runs an HF model (optionally with a PEFT adapter) on
// inputs from a safetensors file and writes logits, loss, hidden states and,
// with --grads, gradients (runtime/logits_job.cpp does the work).
#include <yaml-cpp/yaml.h>  // YAML::Emitter: options -> the job's config

#include <memory>

#include "cli/command_registry.h"
#include "cli/runtime_loader.h"

namespace ragforge::cli {
namespace {

struct LogitsOptions {
  std::string model, adapter, inputs, out, dtype = "float32";
  bool grads = false;
};

std::string to_yaml(const LogitsOptions& o) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "model" << YAML::Value << YAML::DoubleQuoted << o.model;
  if (!o.adapter.empty()) e << YAML::Key << "adapter" << YAML::Value << YAML::DoubleQuoted << o.adapter;
  e << YAML::Key << "inputs" << YAML::Value << YAML::DoubleQuoted << o.inputs;
  e << YAML::Key << "out" << YAML::Value << YAML::DoubleQuoted << o.out;
  e << YAML::Key << "grads" << YAML::Value << o.grads;
  e << YAML::Key << "dtype" << YAML::Value << o.dtype;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

const CommandRegistration reg(
    "logits", "Run an HF model (+ PEFT adapter) on safetensors inputs; write logits, loss, hidden states, grads",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<LogitsOptions>();
      cmd.add_option("--model", o->model, "HF model folder (config.json + safetensors)")->required();
      cmd.add_option("--adapter", o->adapter, "PEFT LoRA adapter folder");
      cmd.add_option("--inputs", o->inputs,
                     "safetensors with input_ids [B,T] and optional attention_mask, position_ids, labels")
          ->required();
      cmd.add_option("--out", o->out, "output safetensors: logits, loss, hidden_states.N, grad.<name>")->required();
      cmd.add_flag("--grads", o->grads, "also write gradients of the loss (needs labels)");
      cmd.add_option("--dtype", o->dtype, "model dtype")->check(CLI::IsMember({"float32", "bfloat16"}));
      return [o] { return run_job("logits", to_yaml(*o)); };
    });

}  // namespace
}  // namespace ragforge::cli
