// `ragforge logits`: runs an HF model (optionally with a PEFT adapter) on
// inputs from a safetensors file and writes logits, loss, hidden states and,
// with --grads, gradients (runtime/logits_job.cpp does the work).
#include <memory>

#include "cli/job_launcher.h"
#include "config/node.h"
#include "config/yaml_emit.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

struct LogitsOptions {
  std::string model, adapter, inputs, out, dtype = "float32";
  bool grads = false;
};

// The options travel to the runtime job as a YAML config.
std::string options_yaml(const LogitsOptions& o) {
  config::Node cfg = config::Node::dict();
  cfg.set("model", config::Node::string(o.model));
  if (!o.adapter.empty()) cfg.set("adapter", config::Node::string(o.adapter));
  cfg.set("inputs", config::Node::string(o.inputs));
  cfg.set("out", config::Node::string(o.out));
  cfg.set("grads", config::Node::boolean(o.grads));
  cfg.set("dtype", config::Node::string(o.dtype));
  return config::to_yaml(cfg);
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
      return [o] { return cli::run_job("logits", options_yaml(*o)); };
    });

}  // namespace
}  // namespace ragforge::full
