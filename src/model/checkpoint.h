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

// What a checkpointed block's ops may skip in the recompute. While the block
// first runs (kRecording, grad off) an op may keep results that are small
// next to what it would recompute (attention keeps its output and row
// logsumexp); while backward reruns the block (kReplaying) the same op,
// reached in the same order, takes them back. An op whose output nothing in
// the block reads during the replay (the layer's last projection: backward
// needs its input, not its output) may build only its autograd graph. The
// phase is per thread and only set inside checkpoint()'s own calls.
enum class CheckpointPhase { kNone, kRecording, kReplaying };
CheckpointPhase checkpoint_phase();
void checkpoint_keep(std::vector<torch::Tensor> tensors);  // kRecording only; otherwise ignored
std::vector<torch::Tensor> checkpoint_take();              // kReplaying: the next kept entry, or {} when none is left
inline bool replaying_checkpoint() { return checkpoint_phase() == CheckpointPhase::kReplaying; }

}  // namespace ragforge::model
