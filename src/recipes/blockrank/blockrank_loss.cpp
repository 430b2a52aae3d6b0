#include "recipes/blockrank/blockrank_loss.h"

#include "core/error.h"
#include "model/loss.h"

namespace ragforge::recipes::blockrank {

model::ForwardOptions blockrank_forward_options(const std::map<std::string, torch::Tensor>& batch,
                                                const BlockRankLossOptions& o) {
  const torch::Tensor& mask = batch.at("attention_mask");  // [B, M, H]
  model::ForwardOptions f;
  f.position_ids = batch.at("position_ids");
  f.gradient_checkpointing = o.gradient_checkpointing;
  f.compute_logits = false;  // the loss forms logits at the completion only
  if (o.block_sparse) {
    model::BlockRankLayout layout;
    layout.num_blocks = mask.size(1);
    layout.block_len = mask.size(2);
    layout.key_mask = mask.to(torch::kBool);
    layout.backend = o.backend;
    f.blockrank = layout;
  } else {
    f.attention_mask = mask.reshape({mask.size(0), -1});
  }
  if (o.use_aux_loss) {
    if (!o.block_sparse)
      throw Error("training.use_aux_loss needs block-sparse attention: set model.attn_implementation to a "
                  "*_blockrank name (e.g. sdpa_blockrank) or training.use_aux_loss=false");
    f.readout_layer = o.aux_layer_idx;
    f.readout_rows = o.num_last_queries;
  }
  return f;
}

BlockRankLoss blockrank_loss(model::CausalLMImpl& lm, const std::map<std::string, torch::Tensor>& batch,
                             const BlockRankLossOptions& o, model::ForwardOutput* forward) {
  const torch::Tensor& ids = batch.at("input_ids");
  const torch::Tensor& labels = batch.at("labels");
  model::ForwardOutput out = lm.forward(ids, blockrank_forward_options(batch, o));

  // lm_loss: hidden state t predicts label t+1, read only where that label is supervised.
  BlockRankLoss r;
  const int64_t d = out.last_hidden_state.size(-1);
  auto next = labels.narrow(1, 1, labels.size(1) - 1);                      // [B, T-1]
  auto where = next.ne(model::kIgnoreIndex);
  r.supervised = where.sum().item<int64_t>();
  if (r.supervised > 0) {
    auto hidden = out.last_hidden_state.narrow(1, 0, labels.size(1) - 1).masked_select(where.unsqueeze(-1)).view({-1, d});
    auto targets = next.masked_select(where);
    auto logits = lm.logits(hidden.unsqueeze(0)).squeeze(0).to(torch::kFloat32);  // [S, V]
    r.lm_loss = torch::nn::functional::cross_entropy(logits, targets);
    r.token_accuracy = logits.argmax(-1).eq(targets).to(torch::kFloat64).mean().item<double>();
  } else {
    r.lm_loss = out.last_hidden_state.sum().to(torch::kFloat32) * 0;  // no completion: 0, graph kept
  }
  r.loss = r.lm_loss;
  if (o.use_aux_loss) {
    const torch::Tensor& mask = batch.at("attention_mask");
    r.aux = aux_attention_loss(out.readout_scores, batch.at("completion_start"), batch.at("answer_ids"), mask.size(1),
                               mask.size(2), o.aux_temperature);
    r.loss = r.lm_loss + o.aux_loss_weight * r.aux.loss;
  }
  if (forward) *forward = std::move(out);
  return r;
}

}  // namespace ragforge::recipes::blockrank
