#include "recipes/blockrank/aux_attention_loss.h"

#include <limits>
#include <string>

#include "core/error.h"

namespace ragforge::recipes::blockrank {

AuxAttentionLoss aux_attention_loss(const torch::Tensor& readout, const torch::Tensor& completion_start,
                                    const torch::Tensor& answer_ids, int64_t M, int64_t H, double temperature) {
  if (readout.dim() != 4 || readout.size(3) != M * H)
    throw Error("aux loss: the readout must be [B, heads, rows, M·H = " + std::to_string(M * H) + "]");
  if (M < 3) throw Error("aux loss: needs at least one document block (M >= 3)");
  const int64_t B = readout.size(0), R = readout.size(2), N = M - 2;
  // 1. The "[" row and the one before it, as rows of the readout.
  auto starts = completion_start.to(torch::kCPU, torch::kInt64);
  if (starts.numel() && starts.min().item<int64_t>() < 0)
    throw Error("aux loss: a completion was cut off: its prompt's last block is longer than the block length H = " +
                std::to_string(H) + " and keeps only its first H tokens; raise data.max_block_length");
  auto bracket = starts - (M * H - R);  // [B]
  if (bracket.numel() && (bracket.min().item<int64_t>() < 1 || bracket.max().item<int64_t>() >= R))
    throw Error("aux loss: completion longer than num_last_queries-1 tokens (" + std::to_string(R - 1) +
                "): '[' and the token before it must be among the last " + std::to_string(R) +
                " positions of the last block; shorten the completion or raise training.num_last_queries");
  auto rows = torch::stack({bracket - 1, bracket}, 1).to(readout.device());       // [B, 2]
  auto index = rows.view({B, 1, 2, 1}).expand({B, readout.size(1), 2, M * H});
  auto two = readout.gather(2, index).to(torch::kFloat32);                         // [B, Hq, 2, M·H]
  // 2-3. Softmax over every document token jointly; attention mass per document.
  auto docs = two.narrow(3, H, N * H);                                              // [B, Hq, 2, N·H]
  auto attn = torch::softmax(docs, -1);
  AuxAttentionLoss out;
  out.doc_scores = attn.mean({1, 2}).view({B, N, H}).sum(-1);                       // [B, N]
  out.doc_logits = out.doc_scores / temperature;
  if (!answer_ids.defined()) return out;
  // 4-5. InfoNCE with several positives, over rows that have one.
  auto ids = answer_ids.to(readout.device(), torch::kInt64);
  auto safe = torch::where(ids >= 0, ids, torch::full_like(ids, N));
  auto pos = torch::zeros({B, N + 1}, ids.options().dtype(torch::kBool)).scatter_(1, safe, true).narrow(1, 0, N);
  auto has_pos = pos.any(1);                                                        // [B]
  out.rows_with_positives = has_pos.sum().item<int64_t>();
  if (out.rows_with_positives == 0) {
    out.loss = (out.doc_logits * 0).sum();  // keeps the graph; 0
    return out;
  }
  const double neg_inf = -std::numeric_limits<double>::infinity();
  auto pos_lse = torch::logsumexp(out.doc_logits.masked_fill(pos.logical_not(), neg_inf), 1);
  auto all_lse = torch::logsumexp(out.doc_logits, 1);
  auto per_row = (all_lse - pos_lse).masked_select(has_pos);
  out.loss = per_row.mean();
  auto top = out.doc_logits.argmax(1, true);                                        // [B, 1]
  auto hit = pos.gather(1, top).squeeze(1).masked_select(has_pos);
  out.accuracy = hit.to(torch::kFloat64).mean().item<double>();
  return out;
}

}  // namespace ragforge::recipes::blockrank
