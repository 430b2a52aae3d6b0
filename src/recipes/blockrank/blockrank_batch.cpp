#include "recipes/blockrank/blockrank_batch.h"

namespace ragforge::recipes::blockrank {
namespace {

torch::Tensor int64_tensor(const std::vector<int64_t>& v, c10::IntArrayRef shape, const torch::Device& device) {
  return torch::tensor(v, torch::kInt64).view(shape).to(device);
}

}  // namespace

train::MicroBatch to_micro_batch(const data::RankingBatch& b, const torch::Device& device) {
  train::MicroBatch mb;
  const int64_t T = b.M * b.H;
  mb.tensors["input_ids"] = int64_tensor(b.input_ids, {b.B, T}, device);
  mb.tensors["position_ids"] = int64_tensor(b.position_ids, {b.B, T}, device);
  mb.tensors["labels"] = int64_tensor(b.labels, {b.B, T}, device);
  std::vector<int64_t> mask(b.attention_mask.begin(), b.attention_mask.end());
  mb.tensors["attention_mask"] = int64_tensor(mask, {b.B, b.M, b.H}, device).to(torch::kBool);
  mb.tensors["answer_ids"] = b.P > 0 ? int64_tensor(b.answer_ids, {b.B, b.P}, device)
                                     : torch::full({b.B, 1}, -1, torch::TensorOptions(torch::kInt64).device(device));
  mb.tensors["completion_start"] = int64_tensor(b.completion_start, {b.B}, device);
  for (uint8_t m : b.attention_mask) mb.tokens += m;
  mb.sample_ids = b.sample_ids;
  return mb;
}

}  // namespace ragforge::recipes::blockrank
