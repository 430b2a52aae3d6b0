// A collated BlockRank batch (data/ranking_collate.h) as the tensors the
// model and losses read, on the training device.
#pragma once
#include <torch/torch.h>

#include "data/ranking_collate.h"
#include "train/recipe.h"

namespace ragforge::recipes::blockrank {

// tensors: input_ids, position_ids, labels [B, M·H] int64; attention_mask
// [B, M, H] bool; answer_ids [B, P] int64 (-1 padded); completion_start [B].
train::MicroBatch to_micro_batch(const data::RankingBatch& batch, const torch::Device& device);

}  // namespace ragforge::recipes::blockrank
