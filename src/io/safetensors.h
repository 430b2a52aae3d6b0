// safetensors files (https://github.com/huggingface/safetensors): the weight
// format of HF model folders and PEFT adapters.
//
// Layout: u64 little-endian header length N, N bytes of UTF-8 JSON mapping each
// name to {"dtype", "shape", "data_offsets": [begin, end)} (relative to the
// first byte after the header), an optional "__metadata__" string map, then
// the raw row-major little-endian data.
//
// Reading memory-maps the file and validates the whole header before any
// tensor is touched: every malformed file is a ragforge::Error naming the file
// (and the tensor), never an out-of-bounds read. Writing goes through a
// temporary file and rename(2), so a reader never sees half a file.
#pragma once
#include "core/atomic_file.h"
#include <nlohmann/json.hpp>
#include <torch/torch.h>  // torch::Tensor, torch::Dtype

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ragforge::io {

// One entry of a safetensors header.
struct TensorInfo {
  std::string dtype;           // "F32", "BF16", "I64", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0; // byte range within the data section
};

// An open, validated, memory-mapped safetensors file.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  bool contains(const std::string& name) const { return infos_.count(name) > 0; }
  std::vector<std::string> names() const;  // sorted
  const TensorInfo& info(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // A copy of the tensor on the CPU, converted to `dtype` (default: the stored one).
  torch::Tensor tensor(const std::string& name, std::optional<torch::Dtype> dtype = {}) const;

 private:
  std::string path_;
  int fd_ = -1;
  const uint8_t* map_ = nullptr;
  size_t size_ = 0;
  const uint8_t* data_ = nullptr;  // start of the data section
  std::map<std::string, TensorInfo> infos_;
  std::map<std::string, std::string> metadata_;
};

// A model's weights: `model.safetensors`, or shards listed by
// `model.safetensors.index.json` (weight_map: name -> shard file).
class WeightSet {
 public:
  // `dir` holds model.safetensors or <prefix>.safetensors.index.json (prefix "model").
  static WeightSet open_dir(const std::string& dir, const std::string& prefix = "model");
  static WeightSet open_file(const std::string& path);

  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  std::vector<std::string> names() const;  // sorted
  const TensorInfo& info(const std::string& name) const;
  torch::Tensor tensor(const std::string& name, std::optional<torch::Dtype> dtype = {}) const;
  std::string file_of(const std::string& name) const;

 private:
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> where_;  // name -> index into files_
};

// Bytes per element of a safetensors dtype string; throws for unknown ones.
size_t dtype_size(const std::string& st_dtype);
std::string to_safetensors_dtype(torch::Dtype dtype);

// Writes `tensors` (any device, contiguous or not) to `path` atomically.
// Tensors are laid out contiguously in name order; the header is padded with
// spaces to a multiple of 8 bytes; `metadata` defaults to {"format": "pt"}.
void save_file(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
               const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Writes a model's weights into `dir` the way HF save_pretrained does: one
// `<prefix>.safetensors` when everything fits in `max_shard_bytes`, else
// `<prefix>-0000i-of-0000n.safetensors` shards plus `<prefix>.safetensors.index.json`.
// Stale weight files of an earlier save under the same prefix are removed.
// Returns the files written (names relative to `dir`).
std::vector<std::string> save_sharded(const std::string& dir,
                                      const std::map<std::string, torch::Tensor>& tensors,
                                      uint64_t max_shard_bytes = 5000000000ULL,
                                      const std::string& prefix = "model");

// Text files beside weights go through core/atomic_file.h.
using ::ragforge::write_file_atomic;

}  // namespace ragforge::io
