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
  std::string attention = "causal";  // causal | blockrank | eager_blockrank
  int64_t aux_layer = -1;            // blockrank: the readout layer (-1: no aux loss)
  double aux_temperature = 0.05, aux_weight = 0.1;
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
  if (o.attention != "causal") {
    cfg.set("attention", config::Node::string(o.attention));
    cfg.set("aux_layer", config::Node::integer(o.aux_layer));
    cfg.set("aux_temperature", config::Node::floating(o.aux_temperature));
    cfg.set("aux_weight", config::Node::floating(o.aux_weight));
  }
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
      cmd.add_option("--attention", o->attention,
                     "causal, or blockrank / eager_blockrank: BlockRank's block layout (inputs: input_ids [B,M*H], "
                     "attention_mask [B,M,H], position_ids, labels, completion_start [B], answer_ids [B,P])")
          ->check(CLI::IsMember({"causal", "blockrank", "eager_blockrank"}));
      cmd.add_option("--aux-layer", o->aux_layer,
                     "blockrank: 0-based layer of the attention readout; writes lm_loss, aux_loss, aux_attn_accuracy, "
                     "loss and aux_scores [B,heads,16,M*H] (-1: lm loss only)");
      cmd.add_option("--aux-temperature", o->aux_temperature, "blockrank: InfoNCE temperature tau");
      cmd.add_option("--aux-weight", o->aux_weight, "blockrank: lambda in loss = lm_loss + lambda * aux_loss");
      return [o] { return cli::run_job(o->attention == "causal" ? "logits" : "logits-blockrank", options_yaml(*o)); };
    });

}  // namespace
}  // namespace ragforge::full
