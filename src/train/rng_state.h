// Random-generator state for exact resume (conventions.md §7): the CPU
// generator (dropout on CPU, torch::rand* calls) and every CUDA device's
// generator, as uint8 tensors named "cpu", "cuda:0", ... so they travel in a
// safetensors file.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

namespace ragforge::train {

std::map<std::string, torch::Tensor> capture_rng_state();
// Restores what capture_rng_state() returned. A CUDA entry for a device this
// machine lacks is skipped with a warning; a missing CUDA entry leaves that
// generator as seeded.
//
// Multi-process checkpoints hold every rank's generators: rank 0's under the
// plain names, rank r's as "rank<r>/cpu", ... A process of rank r restores
// its own entries when the checkpoint has them (same world size: exact) and
// rank 0's otherwise (another world size).
void restore_rng_state(const std::map<std::string, torch::Tensor>& state, int rank = 0);

}  // namespace ragforge::train
