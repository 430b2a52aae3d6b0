#include "recipes/clara/clara_ops.h"

#include <algorithm>

#include "core/error.h"
#include "lora/peft.h"

namespace ragforge::recipes::clara {

int64_t train_adapters_and_rows(model::CausalLMImpl& lm, const std::vector<std::string>& adapters,
                                const std::vector<int64_t>& mem_ids) {
  std::vector<std::string> marks;
  for (const auto& a : adapters) marks.insert(marks.end(), {".lora_A." + a + ".", ".lora_B." + a + "."});
  int64_t count = 0;
  for (auto& item : lm.named_parameters(true)) {
    bool mine = std::any_of(marks.begin(), marks.end(),
                            [&](const std::string& m) { return item.key().find(m) != std::string::npos; });
    item.value().set_requires_grad(mine);
    if (mine) count += item.value().numel();
  }
  for (const auto& a : adapters) {
    auto names = lora::adapter_names(lm);
    if (std::find(names.begin(), names.end(), a) == names.end())
      throw Error("clara: the model has no adapter '" + a + "' to train");
  }
  lm.train_only_token_rows(mem_ids, /*include_head=*/false);
  return count + static_cast<int64_t>(mem_ids.size()) * lm.config().hidden_size;
}

Compressed compress_documents(model::CausalLMImpl& lm, const torch::Tensor& ids, const torch::Tensor& mask,
                              int64_t n_mem, const std::string& adapter, bool gradient_checkpointing) {
  lora::set_active_adapter(lm, adapter);
  model::ForwardOptions o;
  o.attention_mask = mask;
  o.compute_logits = false;
  o.gradient_checkpointing = gradient_checkpointing;
  torch::Tensor h = lm.forward(ids, o).last_hidden_state;  // [N, Le, d], after the final norm
  const int64_t le = ids.size(1);
  Compressed c;
  c.memory = h.narrow(1, le - n_mem, n_mem);  // [N, m, d]
  auto hf = h.to(torch::kFloat32);
  auto attended = mask.to(torch::kFloat32);              // [N, Le]
  auto is_mem = torch::zeros_like(attended);
  is_mem.narrow(1, le - n_mem, n_mem).fill_(1);
  auto mem_w = attended * is_mem, non_w = attended * (1 - is_mem);
  auto non_len = non_w.sum(1);  // [N]
  if ((non_len == 0).any().item<bool>())
    throw Error("clara: an encoder row has no non-memory tokens (an empty document row); every row needs <ENC> + bos");
  auto mem_mean = (hf * mem_w.unsqueeze(-1)).sum(1) / mem_w.sum(1).unsqueeze(-1);  // [N, d]
  auto non_mean = (hf * non_w.unsqueeze(-1)).sum(1) / non_len.unsqueeze(-1);
  c.mse = (non_mean - mem_mean).pow(2).mean();
  return c;
}

torch::Tensor splice_memory(model::CausalLMImpl& lm, const torch::Tensor& dec_ids, const torch::Tensor& slot_starts,
                            const torch::Tensor& memory) {
  torch::Tensor e = lm.model->embed(dec_ids);  // [B, T, d]
  const int64_t B = dec_ids.size(0), k = slot_starts.size(1), m = memory.size(1);
  if (memory.size(0) != B * k)
    throw Error("clara splice: " + std::to_string(memory.size(0)) + " compressed documents for " + std::to_string(B) +
                " rows of " + std::to_string(k) + " slots");
  auto starts = slot_starts.to(torch::kCPU);
  // Rows are rebuilt from pieces so the overwritten embeddings leave the graph.
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < B; ++i) {
    std::vector<torch::Tensor> parts;
    int64_t at = 0;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t s = starts[i][j].item<int64_t>();
      if (s > at) parts.push_back(e[i].narrow(0, at, s - at));
      parts.push_back(memory[i * k + j].to(e.scalar_type()));
      at = s + m;
    }
    if (at < e.size(1)) parts.push_back(e[i].narrow(0, at, e.size(1) - at));
    rows.push_back(torch::cat(parts, 0));
  }
  return torch::stack(rows, 0);
}

TopK straight_through_topk(const torch::Tensor& scores, int64_t k, double tau) {
  const int64_t B = scores.size(0), N = scores.size(1);
  if (k > N)
    throw Error("clara: top_k " + std::to_string(k) + " is more than the " + std::to_string(N) +
                " candidate documents of a row; give every stage-2 row at least generation_top_k documents");
  auto z = scores.to(torch::kFloat32) / tau;
  TopK out;
  out.indices = std::get<1>(z.topk(k, -1));  // [B, k], descending
  auto hard = torch::zeros({B, k, N}, z.options()).scatter_(2, out.indices.unsqueeze(-1), 1.0);
  auto taken = torch::zeros({B, N}, z.options());
  std::vector<torch::Tensor> soft;
  for (int64_t j = 0; j < k; ++j) {
    soft.push_back(torch::softmax(z + (1.0 - taken + 1e-8).log(), -1));
    taken = torch::clamp_max(taken + hard.select(1, j), 1.0);
  }
  auto K_soft = torch::stack(soft, 1);
  out.weights = hard + K_soft - K_soft.detach();
  return out;
}

torch::Tensor cosine_scores(const torch::Tensor& query, const torch::Tensor& docs) {
  auto q = torch::nn::functional::normalize(query.to(torch::kFloat32), torch::nn::functional::NormalizeFuncOptions().dim(-1));
  auto d = torch::nn::functional::normalize(docs.to(torch::kFloat32), torch::nn::functional::NormalizeFuncOptions().dim(-1));
  return torch::bmm(d, q.unsqueeze(-1)).squeeze(-1);
}

torch::Tensor multi_positive_infonce(const torch::Tensor& scores, const torch::Tensor& positives, double tau) {
  auto z = scores.to(torch::kFloat32) / tau;
  auto pos = positives.to(torch::kBool);
  auto valid = pos.any(-1);
  if (!valid.any().item<bool>()) return z.sum() * 0;  // no positives anywhere: 0 with a graph
  auto num = torch::logsumexp(z.masked_fill(pos.logical_not(), -std::numeric_limits<float>::infinity()), -1);
  auto loss = -(num - torch::logsumexp(z, -1));
  return loss.masked_select(valid).mean();
}

}  // namespace ragforge::recipes::clara
