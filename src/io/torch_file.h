// Reading what Python's torch.save writes (the zip format, PyTorch >= 1.6):
// the .pth files of published checkpoints. Only dictionaries of tensors (and
// dictionaries of those) are accepted: dicts, OrderedDicts (state_dict(), its
// _metadata dropped), tensors and nn.Parameters. The reader is LibTorch's
// unpickler, which knows a fixed set of classes: no Python code in a file can
// run. What 1.13's unpickler lacks is rewritten first (pickle_compat.h).
//
//   auto adapters = io::read_torch_dict_of_state_dicts("compression-16/adapters.pth");
//   auto rows = io::read_torch_state_dict("compression-16/decoder_first_last_layers.pth");
//
// Every malformed file (not a zip, truncated, another structure, a tensor
// whose view reaches past its stored record) is a ragforge::Error naming the file.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

namespace ragforge::io {

using StateDict = std::map<std::string, torch::Tensor>;

// A saved {name: tensor} (dict or OrderedDict).
StateDict read_torch_state_dict(const std::string& path);

// A saved {group: {name: tensor}}, e.g. CLaRa's adapters.pth {adapter: state dict}.
std::map<std::string, StateDict> read_torch_dict_of_state_dicts(const std::string& path);

}  // namespace ragforge::io
