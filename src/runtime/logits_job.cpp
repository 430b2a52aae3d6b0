// The `logits` job (see cli/logits_command.cpp): one forward (and backward)
// pass of an HF model, optionally with a PEFT adapter, on stored inputs.
//
// Output tensors: logits [B, T, V] f32, loss (0-dim f32, with labels),
// hidden_states.N [B, T, d] f32 for N = 0..L (HF numbering: L is after the
// final norm), and with grads: grad.<HF name> (full model) or
// grad.<PEFT in-memory name> (adapter weights only, base frozen).

#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "lora/peft.h"
#include "model/causal_lm.h"
#include "model/loss.h"
#include "runtime/job_registry.h"

namespace ragforge::runtime {
namespace {

torch::Tensor input(const io::SafetensorsFile& f, const std::string& name, int64_t B, int64_t T) {
  if (!f.contains(name)) return {};
  auto t = f.tensor(name, torch::kInt64);
  if (t.dim() != 2 || t.size(0) != B || t.size(1) != T)
    throw Error(f.path() + ": '" + name + "' must have the shape of input_ids [" + std::to_string(B) + ", " +
                std::to_string(T) + "]");
  return t;
}

int run_logits(const JobContext& ctx) {
  const config::Node cfg = config::load_yaml_string(ctx.config_yaml, "logits options");
  const config::ConfigView opts(cfg);
  const std::string model_dir = opts.get_string("model", ""), adapter = opts.get_string("adapter", ""),
                    inputs = opts.get_string("inputs", ""), out_path = opts.get_string("out", ""),
                    dtype_name = opts.get_string("dtype", "float32");
  const bool grads = opts.get_bool("grads", false);
  if (model_dir.empty() || inputs.empty() || out_path.empty()) throw Error("logits: model, inputs and out are required");
  torch::Dtype dtype;
  if (dtype_name == "float32")
    dtype = torch::kFloat32;
  else if (dtype_name == "bfloat16")
    dtype = torch::kBFloat16;
  else
    throw Error("logits: dtype must be float32 or bfloat16, not '" + dtype_name + "'");

  io::SafetensorsFile in(inputs);
  if (!in.contains("input_ids")) throw Error(inputs + " has no 'input_ids' tensor");
  auto ids = in.tensor("input_ids", torch::kInt64);
  if (ids.dim() != 2) throw Error(inputs + ": 'input_ids' must be [B, T]");
  const int64_t B = ids.size(0), T = ids.size(1);
  auto mask = input(in, "attention_mask", B, T), pos = input(in, "position_ids", B, T),
       labels = input(in, "labels", B, T);
  if (grads && !labels.defined()) throw Error("logits --grads needs 'labels' in " + inputs);

  auto lm = model::CausalLMImpl::from_pretrained(model_dir, dtype);
  if (!adapter.empty()) lora::load_adapter(*lm, adapter);
  if (ids.numel() && (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= lm->config().vocab_size))
    throw Error(inputs + ": input_ids outside the vocabulary [0, " + std::to_string(lm->config().vocab_size) + ")");

  std::map<std::string, torch::Tensor> trainable;
  if (grads) {
    if (!adapter.empty()) {
      lora::mark_only_adapter_trainable(*lm, "default");
      trainable = lora::adapter_state_dict(*lm, "default", /*saved_names=*/false);
    } else {
      trainable = lm->hf_state_dict();
      for (auto& [n, p] : trainable) p.set_requires_grad(true);
    }
  }
  torch::AutoGradMode grad_mode(grads);
  model::ForwardOptions o;
  o.attention_mask = mask;
  o.position_ids = pos;
  o.all_hidden_states = true;
  auto fwd = lm->forward(ids, o);

  std::map<std::string, torch::Tensor> out;
  out["logits"] = fwd.logits.detach().to(torch::kFloat32);
  for (const auto& [i, h] : fwd.hidden_states) out["hidden_states." + std::to_string(i)] = h.detach().to(torch::kFloat32);
  if (labels.defined()) {
    auto loss = model::causal_lm_loss(fwd.logits, labels);
    out["loss"] = loss.detach().to(torch::kFloat32);
    if (grads) {
      loss.backward();
      for (const auto& [name, p] : trainable)
        out["grad." + name] = p.grad().defined() ? p.grad().to(torch::kFloat32) : torch::zeros(p.sizes());
    }
    std::cout << "loss: " << loss.item<double>() << "\n";
  }
  io::save_file(out_path, out);
  std::cout << "logits: wrote " << out.size() << " tensors to " << out_path << "\n";
  return 0;
}

const JobRegistration reg("logits", run_logits);

}  // namespace
}  // namespace ragforge::runtime
