#include "recipes/clara/clara_step.h"

#include "lora/peft.h"
#include "model/loss.h"
#include "recipes/clara/clara_ops.h"

namespace ragforge::recipes::clara {
namespace {

const torch::Tensor& need(const std::map<std::string, torch::Tensor>& b, const char* key) { return b.at(key); }

// The decoder pass: memory [B·k, m, d] spliced into the prompt, decoder_adapter, CE.
torch::Tensor decoder_ce(model::CausalLMImpl& lm, const std::map<std::string, torch::Tensor>& b,
                         const torch::Tensor& memory, const ClaraStepOptions& o, ClaraStepOutput& out) {
  torch::Tensor embeds = splice_memory(lm, need(b, "dec_ids"), need(b, "slot_starts"), memory);
  lora::set_active_adapter(lm, kDecoderAdapter);
  model::ForwardOptions f;
  f.attention_mask = need(b, "dec_mask");
  f.compute_logits = false;
  f.gradient_checkpointing = o.gradient_checkpointing;
  torch::Tensor hidden = lm.forward_embeds(embeds, f).last_hidden_state;  // [B, T, d]
  const torch::Tensor& labels = need(b, "labels");
  out.supervised = labels.narrow(1, 1, labels.size(1) - 1).ne(model::kIgnoreIndex).sum().item<int64_t>();
  if (o.keep_first_row_logits) {
    torch::NoGradGuard no_grad;
    out.first_row_logits = lm.logits(hidden.narrow(0, 0, 1).detach())[0].to(torch::kFloat32);
  }
  return model::chunked_causal_lm_loss(hidden, lm.head_weight(), labels);
}

// Stage 2's scores [B, N]: candidates D (no grad) against the query reasoner's q.
struct Scores {
  torch::Tensor scores, docs, mse;  // docs [B, N, m·d]
};
Scores stage2_scores(model::CausalLMImpl& lm, const std::map<std::string, torch::Tensor>& b, const ClaraStepOptions& o) {
  const int64_t B = need(b, "query_ids").size(0);
  Compressed docs;
  {
    torch::NoGradGuard no_grad;
    docs = compress_documents(lm, need(b, "enc_ids"), need(b, "enc_mask"), o.n_mem, kEncoderAdapter);
  }
  Compressed q = compress_documents(lm, need(b, "query_ids"), need(b, "query_mask"), o.n_mem, kQueryReasonerAdapter,
                                    o.gradient_checkpointing);
  Scores s;
  s.docs = docs.memory.reshape({B, docs.memory.size(0) / B, -1});
  s.scores = cosine_scores(q.memory.reshape({B, -1}), s.docs);
  s.mse = docs.mse;
  return s;
}

}  // namespace

std::map<std::string, double> retrieval_metrics(const torch::Tensor& ranked, const torch::Tensor& positives) {
  auto pos = positives.to(torch::kCPU).to(torch::kBool);
  auto top = ranked.to(torch::kCPU);
  std::map<std::string, double> out;
  const int64_t B = pos.size(0);
  int64_t rows = 0;
  for (int64_t kk : {1, 3, 5}) {
    if (kk > top.size(1)) continue;
    double recall = 0, precision = 0;
    rows = 0;
    for (int64_t i = 0; i < B; ++i) {
      const int64_t n_pos = pos[i].sum().item<int64_t>();
      if (n_pos == 0) continue;
      int64_t hit = 0;
      for (int64_t j = 0; j < kk; ++j) hit += pos[i][top[i][j].item<int64_t>()].item<bool>() ? 1 : 0;
      recall += static_cast<double>(hit) / static_cast<double>(n_pos);
      precision += static_cast<double>(hit) / static_cast<double>(kk);
      ++rows;
    }
    if (rows == 0) return {};
    out["train/retrieval_recall_" + std::to_string(kk)] = recall / static_cast<double>(rows);
    out["train/retrieval_precision_" + std::to_string(kk)] = precision / static_cast<double>(rows);
  }
  return out;
}

ClaraStepOutput clara_step(model::CausalLMImpl& lm, const std::map<std::string, torch::Tensor>& b,
                           const ClaraStepOptions& o) {
  ClaraStepOutput out;
  if (o.stage == "stage1" || o.stage == "stage1_2") {
    Compressed c = compress_documents(lm, need(b, "enc_ids"), need(b, "enc_mask"), o.n_mem, kEncoderAdapter,
                                      o.gradient_checkpointing);
    torch::Tensor ce = decoder_ce(lm, b, c.memory, o, out);
    out.total = o.mse_loss ? ce + kMseWeight * c.mse : ce;
    out.metrics["train/loss"] = ce.item<double>();
    out.metrics["train/mse_loss"] = c.mse.item<double>();
    out.metrics["train/total_loss"] = out.total.item<double>();
    return out;
  }
  Scores s = stage2_scores(lm, b, o);
  const int64_t B = s.scores.size(0), N = s.scores.size(1);
  const int64_t k = std::min<int64_t>(std::max<int64_t>(o.top_k, 5), N);  // ranked deep enough for recall@5
  auto ranked = std::get<1>(s.scores.detach().topk(k, -1));
  out.metrics = retrieval_metrics(ranked, need(b, "positives"));
  out.metrics["train/mse_loss"] = s.mse.item<double>();
  if (o.stage == "stage2_pretrain_retrieval") {
    out.total = multi_positive_infonce(s.scores, need(b, "positives"), kTopKTemperature);
    out.supervised = need(b, "positives").sum(-1).gt(0).sum().item<int64_t>();
    out.metrics["train/loss"] = out.total.item<double>();
    return out;
  }
  TopK pick = straight_through_topk(s.scores, o.top_k, kTopKTemperature);
  // W·D: the forward sees exactly the hard picks; the gradient goes through the soft ones.
  torch::Tensor selected = torch::bmm(pick.weights, s.docs.to(torch::kFloat32));  // [B, k, m·d]
  const int64_t d = lm.config().hidden_size;
  torch::Tensor memory = selected.reshape({B * o.top_k, o.n_mem, d}).to(s.docs.scalar_type());
  torch::Tensor ce = decoder_ce(lm, b, memory, o, out);
  out.total = ce;  // CE only: mse is logged without a gradient
  out.metrics["train/loss"] = ce.item<double>();
  return out;
}

}  // namespace ragforge::recipes::clara
