// Activation checkpointing: run a block without keeping its activations and
// recompute it during backward (torch.utils.checkpoint for LibTorch C++).
//
// The parameters the block uses are passed explicitly, so they are inputs of
// the checkpoint's autograd node: gradients reach them (and LoRA weights)
// even when the block's input needs no gradient, and torch::autograd::grad
// works as well as backward(). Random state (dropout) is replayed exactly.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace ragforge::model {

using CheckpointFn = std::function<torch::Tensor(const torch::Tensor&)>;
using CheckpointOutputsFn = std::function<std::vector<torch::Tensor>(const torch::Tensor&)>;

// fn(input) with activations recomputed in backward. `params`: the tensors fn
// reads that may need gradients (those not requiring grad are ignored).
torch::Tensor checkpoint(CheckpointFn fn, const torch::Tensor& input, const std::vector<torch::Tensor>& params);
// The same for a block with several outputs (a layer and its attention
// readout): gradients of every output flow back through one recomputation.
std::vector<torch::Tensor> checkpoint_outputs(CheckpointOutputsFn fn, const torch::Tensor& input,
                                              const std::vector<torch::Tensor>& params);

}  // namespace ragforge::model
