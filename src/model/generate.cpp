#include "model/generate.h"

#include "core/error.h"

namespace ragforge::model {

torch::Tensor choose_tokens(const torch::Tensor& logits, const GenerationOptions& o) {
  auto l = logits.to(torch::kFloat32);  // [B, V]
  if (!o.do_sample) return l.argmax(-1);
  if (o.temperature <= 0) throw Error("generation: temperature must be positive when sampling");
  l = l / o.temperature;
  if (o.top_k > 0 && o.top_k < l.size(-1)) {
    auto kth = std::get<0>(l.topk(o.top_k, -1)).narrow(-1, o.top_k - 1, 1);  // [B, 1]
    l = l.masked_fill(l < kth, -std::numeric_limits<float>::infinity());
  }
  if (o.top_p < 1.0) {
    auto sorted = l.sort(-1, /*descending=*/true);
    auto values = std::get<0>(sorted), order = std::get<1>(sorted);
    auto probs = values.softmax(-1);
    auto cum = probs.cumsum(-1);
    // Drop tokens once the mass before them already reaches top_p (keep at least one).
    auto drop = (cum - probs) >= o.top_p;
    values = values.masked_fill(drop, -std::numeric_limits<float>::infinity());
    l = torch::full_like(l, -std::numeric_limits<float>::infinity()).scatter(-1, order, values);
  }
  return torch::multinomial(l.softmax(-1), 1).squeeze(-1);
}

namespace {

// The decoding loop behind generate() and generate_from_embeds(): exactly one
// of input_ids [B, T] / inputs_embeds [B, T, d] is defined.
GenerationOutput generate_impl(CausalLMImpl& lm, const torch::Tensor& input_ids, const torch::Tensor& inputs_embeds,
                               const torch::Tensor& attention_mask, const GenerationOptions& o) {
  torch::NoGradGuard no_grad;
  const bool from_embeds = inputs_embeds.defined();
  if (!from_embeds && input_ids.dim() != 2) throw Error("generation: input_ids must be [B, T]");
  if (from_embeds && inputs_embeds.dim() != 3) throw Error("generation: inputs_embeds must be [B, T, d]");
  const auto dev = lm.device();
  const int64_t B = from_embeds ? inputs_embeds.size(0) : input_ids.size(0);
  const int64_t T = from_embeds ? inputs_embeds.size(1) : input_ids.size(1);
  auto ids = from_embeds ? torch::Tensor() : input_ids.to(dev).to(torch::kInt64);
  auto embeds = from_embeds ? inputs_embeds.to(dev) : torch::Tensor();
  auto mask = attention_mask.defined() ? attention_mask.to(dev).to(torch::kInt64)
                                       : torch::ones({B, T}, torch::TensorOptions().dtype(torch::kInt64).device(dev));
  const auto& cfg = lm.config();
  std::vector<int64_t> stops = o.stop_token_ids.empty() ? cfg.eos_token_ids : o.stop_token_ids;
  int64_t pad = o.pad_token_id >= 0 ? o.pad_token_id
                : cfg.pad_token_id      ? *cfg.pad_token_id
                : !cfg.eos_token_ids.empty() ? cfg.eos_token_ids[0]
                                             : 0;
  auto stop_ids = torch::tensor(stops, torch::kInt64).to(dev);
  auto done = torch::zeros({B}, torch::TensorOptions().dtype(torch::kBool).device(dev));
  std::vector<torch::Tensor> tokens, step_logits;
  std::vector<LayerCache> cache;

  ForwardOptions f;
  f.backend = o.backend;
  f.compute_logits = false;
  f.attention_mask = mask;
  f.position_ids = positions_from_mask(mask);
  if (o.use_cache) f.cache = &cache;
  auto h = from_embeds ? lm.forward_embeds(embeds, f).last_hidden_state : lm.forward(ids, f).last_hidden_state;
  for (int64_t step = 0; step < o.max_new_tokens; ++step) {
    auto logits = lm.logits(h.narrow(1, h.size(1) - 1, 1)).squeeze(1).to(torch::kFloat32);  // [B, V]
    auto next = choose_tokens(logits, o);
    next = next.masked_fill(done, pad);
    tokens.push_back(next);
    step_logits.push_back(logits);
    if (stop_ids.numel()) done = done.logical_or(torch::isin(next, stop_ids));
    if (done.all().item<bool>() || step + 1 == o.max_new_tokens) break;
    if (from_embeds) {
      if (!o.use_cache) embeds = torch::cat({embeds, lm.model->embed(next.unsqueeze(1)).to(embeds.dtype())}, 1);
    } else {
      ids = torch::cat({ids, next.unsqueeze(1)}, 1);
    }
    mask = torch::cat({mask, torch::ones({B, 1}, mask.options())}, 1);
    if (o.use_cache) {
      f.attention_mask = mask;
      f.position_ids = (mask.sum(1, true) - 1);  // [B, 1]
      f.query_offset = mask.size(1) - 1;
      h = lm.forward(next.unsqueeze(1), f).last_hidden_state;
    } else {
      f.attention_mask = mask;
      f.position_ids = positions_from_mask(mask);
      h = from_embeds ? lm.forward_embeds(embeds, f).last_hidden_state : lm.forward(ids, f).last_hidden_state;
    }
  }
  GenerationOutput out;
  out.new_tokens = tokens.empty() ? torch::zeros({B, 0}, mask.options()) : torch::stack(tokens, 1);
  if (!from_embeds) out.sequences = torch::cat({input_ids.to(dev).to(torch::kInt64), out.new_tokens}, 1);
  out.step_logits = step_logits.empty() ? torch::Tensor() : torch::stack(step_logits, 1);
  return out;
}

}  // namespace

GenerationOutput generate(CausalLMImpl& lm, const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                          const GenerationOptions& o) {
  return generate_impl(lm, input_ids, torch::Tensor(), attention_mask, o);
}

GenerationOutput generate_from_embeds(CausalLMImpl& lm, const torch::Tensor& inputs_embeds,
                                      const torch::Tensor& attention_mask, const GenerationOptions& o) {
  if (!inputs_embeds.defined()) throw Error("generation: inputs_embeds is undefined");
  return generate_impl(lm, torch::Tensor(), inputs_embeds, attention_mask, o);
}

}  // namespace ragforge::model
