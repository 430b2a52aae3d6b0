// `ragforge logits --attention blockrank`: one BlockRank forward (and
// backward) on stored block-layout inputs, so the recipe's numbers can be
// checked against the original code's (golden/recipes/blockrank).
//
// Inputs: input_ids, position_ids, labels [B, M·H]; attention_mask [B, M, H];
// completion_start [B]; answer_ids [B, P] (-1 padded).
// Outputs: logits [B, M·H, V], lm_loss; with --aux-layer also aux_loss,
// aux_attn_accuracy, loss, aux_scores [B, heads, 16, M·H], aux_doc_scores
// [B, N]; with --grads, grad.<HF name> of `loss`.
#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "recipes/blockrank/blockrank_loss.h"
#include "runtime/job_registry.h"

namespace ragforge::recipes::blockrank {
namespace {

torch::Tensor required(const io::SafetensorsFile& f, const std::string& name, std::vector<int64_t> shape) {
  if (!f.contains(name)) throw Error(f.path() + ": --attention blockrank needs a '" + name + "' tensor");
  auto t = f.tensor(name, torch::kInt64);
  bool ok = t.dim() == static_cast<int64_t>(shape.size());
  for (size_t i = 0; ok && i < shape.size(); ++i) ok = shape[i] < 0 || t.size(static_cast<int64_t>(i)) == shape[i];
  if (!ok) {
    std::string want;
    for (int64_t s : shape) want += (want.empty() ? "" : ", ") + (s < 0 ? std::string("*") : std::to_string(s));
    throw Error(f.path() + ": '" + name + "' must be [" + want + "]");
  }
  return t;
}

int run_logits_blockrank(const runtime::JobContext& ctx) {
  const config::Node cfg = config::load_yaml_string(ctx.config_yaml, "logits options");
  const config::ConfigView opts(cfg);
  const std::string model_dir = opts.get_string("model"), inputs = opts.get_string("inputs"),
                    out_path = opts.get_string("out");
  const bool grads = opts.get_bool("grads", false);
  if (opts.get_string("dtype", "float32") != "float32") throw Error("logits --attention blockrank: use --dtype float32");
  if (!opts.get_string("adapter", "").empty()) throw Error("logits --attention blockrank: --adapter is not supported");

  io::SafetensorsFile in(inputs);
  auto mask = required(in, "attention_mask", {-1, -1, -1});
  const int64_t B = mask.size(0), M = mask.size(1), H = mask.size(2);
  if (M < 3) throw Error(inputs + ": 'attention_mask' [B, M, H] needs M >= 3 blocks (instruction, documents, query)");
  std::map<std::string, torch::Tensor> batch;
  batch["attention_mask"] = mask.to(torch::kBool);
  for (const char* name : {"input_ids", "position_ids", "labels"}) batch[name] = required(in, name, {B, M * H});
  batch["completion_start"] = required(in, "completion_start", {B});
  batch["answer_ids"] = required(in, "answer_ids", {B, -1});

  auto lm = model::CausalLMImpl::from_pretrained(model_dir, torch::kFloat32);
  const int64_t V = lm->config().vocab_size;
  const auto& ids = batch["input_ids"];
  if (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= V)
    throw Error(inputs + ": input_ids outside the vocabulary [0, " + std::to_string(V) + ")");
  auto answers = batch["answer_ids"];
  if (answers.max().item<int64_t>() >= M - 2)
    throw Error(inputs + ": answer_ids name documents 0.." + std::to_string(M - 3) + " only (M - 2 = " +
                std::to_string(M - 2) + " documents)");

  BlockRankLossOptions o;
  o.backend = opts.get_string("attention") == "eager_blockrank" ? model::BlockRankBackend::kEager
                                                                 : model::BlockRankBackend::kFused;
  o.aux_layer_idx = opts.get_int("aux_layer", -1);
  o.use_aux_loss = o.aux_layer_idx >= 0;
  o.aux_temperature = opts.get_float("aux_temperature", 0.05);
  o.aux_loss_weight = opts.get_float("aux_weight", 0.1);
  if (o.use_aux_loss && o.aux_layer_idx >= lm->config().num_hidden_layers)
    throw Error("--aux-layer " + std::to_string(o.aux_layer_idx) + " is not a layer of this " +
                std::to_string(lm->config().num_hidden_layers) + "-layer model (0-based)");

  std::map<std::string, torch::Tensor> trainable;
  if (grads) {
    trainable = lm->hf_state_dict();
    for (auto& [n, p] : trainable) p.set_requires_grad(true);
  }
  torch::AutoGradMode grad_mode(grads);
  model::ForwardOutput fwd;
  BlockRankLoss l = blockrank_loss(*lm, batch, o, &fwd);

  std::map<std::string, torch::Tensor> out;
  out["logits"] = lm->logits(fwd.last_hidden_state).detach().to(torch::kFloat32);
  out["lm_loss"] = l.lm_loss.detach();
  std::cout << "lm_loss: " << l.lm_loss.item<double>() << "\n";
  if (o.use_aux_loss) {
    out["aux_loss"] = l.aux.loss.detach();
    out["aux_attn_accuracy"] = torch::tensor(l.aux.accuracy, torch::kFloat32);
    out["loss"] = l.loss.detach();
    out["aux_scores"] = fwd.readout_scores.detach().to(torch::kFloat32);
    out["aux_doc_scores"] = l.aux.doc_scores.detach();
    std::cout << "aux_loss: " << l.aux.loss.item<double>() << "\naux_attn_accuracy: " << l.aux.accuracy
              << "\nloss: " << l.loss.item<double>() << "\n";
  }
  if (grads) {
    l.loss.backward();
    for (const auto& [name, p] : trainable)
      out["grad." + name] = p.grad().defined() ? p.grad().to(torch::kFloat32) : torch::zeros(p.sizes());
  }
  io::save_file(out_path, out);
  std::cout << "logits: wrote " << out.size() << " tensors to " << out_path << "\n";
  return 0;
}

const runtime::JobRegistration reg("logits-blockrank", run_logits_blockrank);

}  // namespace
}  // namespace ragforge::recipes::blockrank
