// Named tensors as one byte string and back, to move optimizer shards and
// random-generator states between ranks (Communicator::all_gather_strings).
// Layout per tensor: name, dtype (c10::ScalarType as int), rank, sizes, raw
// CPU bytes; native byte order (the ranks of a job share an architecture).
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

namespace ragforge::distributed {

std::string pack_tensors(const std::map<std::string, torch::Tensor>& tensors);
// Throws ragforge::Error on a truncated or malformed string.
std::map<std::string, torch::Tensor> unpack_tensors(const std::string& bytes);

}  // namespace ragforge::distributed
