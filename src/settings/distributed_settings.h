// The `distributed:` node inside a recipe's TrainingArguments (`train:` for
// RAG-FiT, `training:` for BlockRank): how the shared training loop talks to
// the other ranks of a multi-process job (src/distributed/). Ignored at world
// size 1. Torch-free, so the CLI rejects a bad value before LibTorch loads.
//
//   train:
//     distributed:
//       backend: auto      # auto (nccl on CUDA, else gloo) | gloo | nccl
//       timeout_s: 1800    # rendezvous and every collective; a timeout is an error
//       bucket_mb: 25      # gradient all-reduce bucket size (MiB), overlapped with backward
//       zero_stage: 0      # 0 replicated | 1 optimizer state sharded | 2 + gradients sharded
#pragma once
#include <cstdint>
#include <string>

#include "config/config_view.h"

namespace ragforge::settings {

struct DistributedSettings {
  std::string backend = "auto";  // auto|gloo|nccl
  double timeout_s = 1800;       // torch.distributed's default (30 min)
  double bucket_mb = 25;         // DDP's bucket_cap_mb default
  int64_t zero_stage = 0;        // 0|1|2 (DeepSpeed's ZeRO stage semantics)
};

// Reads `<parent>.distributed`; unknown keys and bad values name the key.
DistributedSettings parse_distributed_settings(const config::ConfigView& distributed);

}  // namespace ragforge::settings
